"""Message bus: port and adapters (RabbitMQ through aio-pika, in-memory)."""
