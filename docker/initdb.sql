-- First start of the PostGIS container: the two Holomap roles and the extensions (runs as superuser).
CREATE ROLE holomap_owner LOGIN PASSWORD 'holomap_owner_pw' CREATEDB BYPASSRLS;
CREATE ROLE holomap_app LOGIN PASSWORD 'holomap_app_pw' NOBYPASSRLS;
GRANT holomap_app TO holomap_owner;
CREATE DATABASE holomap OWNER holomap_owner;
\connect holomap
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER SCHEMA public OWNER TO holomap_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO holomap_app;
