# Stands in for rabbitmq:3.13-management: Debian bookworm's RabbitMQ (3.10) with the
# management plugin; deploy/compose.yaml mounts its rabbitmq.conf and definitions.
FROM egov-local/base:bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends rabbitmq-server \
    && rm -rf /var/lib/apt/lists/* \
    && rabbitmq-plugins enable --offline rabbitmq_management \
    && chown -R rabbitmq:rabbitmq /etc/rabbitmq /var/lib/rabbitmq
EXPOSE 5672 15672
CMD ["rabbitmq-server"]
