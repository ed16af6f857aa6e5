"""The SQL store: tables, migrations, the durable writer's transaction and start-up loading."""
