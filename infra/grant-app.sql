-- Run by scripts/migrate-azure.sh after the migrations, as the Entra administrator (the deployer).
-- The Function App signs in as its managed identity (role :"app_role") with DML rights only: it can read and
-- write billing rows, never change the schema. Idempotent: safe on every deploy.
\set ON_ERROR_STOP on
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_role') AS create_role \gset
\if :create_role
SELECT * FROM pgaadauth_create_principal(:'app_role', false, false);
\endif
GRANT CONNECT ON DATABASE billing TO :"app_role";
GRANT USAGE ON SCHEMA public TO :"app_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
