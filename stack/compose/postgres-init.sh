#!/bin/sh
# Runs once, when the postgres image initialises an empty cluster (docker-entrypoint-initdb.d), as
# the admin role: creates the app's least-privilege role, gives it the vitrina database and installs
# pgvector there, so the app never needs a superuser.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v app_user="$VITRINA_DB_USER" -v app_password="$VITRINA_DB_PASSWORD" <<'SQL'
CREATE ROLE :"app_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';
CREATE DATABASE vitrina OWNER :"app_user";
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname vitrina <<'SQL'
CREATE EXTENSION IF NOT EXISTS vector;
SQL
