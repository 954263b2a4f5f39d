# Stands in for postgres:16-alpine with the parts of its contract deploy/compose.yaml uses:
# POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, the SQL files of
# /docker-entrypoint-initdb.d run once on a new data directory, data in
# /var/lib/postgresql/data, password (SCRAM) authentication over TCP, pg_isready.
FROM egov-local/base:bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/postgresql/data /docker-entrypoint-initdb.d \
    && chown -R postgres:postgres /var/lib/postgresql /run/postgresql
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
VOLUME ["/var/lib/postgresql/data"]
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
