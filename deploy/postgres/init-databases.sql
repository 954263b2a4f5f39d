-- One database per service (each service owns its event log and nothing else reads it).
-- Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d/),
-- as POSTGRES_USER, who owns them.
CREATE DATABASE portal;
CREATE DATABASE gateway;
CREATE DATABASE elicense;
CREATE DATABASE registry;
CREATE DATABASE provider;
