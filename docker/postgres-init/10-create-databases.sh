#!/bin/sh
# Runs once, when the postgres container initialises an empty data directory (docker-entrypoint-initdb.d).
# Creates the Anchore catalog database and Temporal's two databases, each owned by its own login role.
# Passwords come from the container's environment and reach psql as variables (:'name' quotes them), so
# they never appear in a command line or in the SQL text.
set -eu

: "${ANCHORE_DB_USER:=anchore}"
: "${ANCHORE_DB_NAME:=anchore}"
: "${TEMPORAL_DB_USER:=temporal}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v anchore_user="$ANCHORE_DB_USER" -v anchore_db="$ANCHORE_DB_NAME" \
  -v anchore_password="$ANCHORE_DB_PASSWORD" \
  -v temporal_user="$TEMPORAL_DB_USER" -v temporal_password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE :"anchore_user" LOGIN PASSWORD :'anchore_password';
CREATE DATABASE :"anchore_db" OWNER :"anchore_user";
-- Temporal's auto-setup runs with SKIP_DB_CREATE=true and only creates the schemas: no CREATEDB needed.
CREATE ROLE :"temporal_user" LOGIN PASSWORD :'temporal_password';
CREATE DATABASE temporal OWNER :"temporal_user";
CREATE DATABASE temporal_visibility OWNER :"temporal_user";
SQL
