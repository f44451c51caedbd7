-- docker-compose's Postgres: one database per service, as `vobe stack up` provisions natively
-- (stack/config.ts serviceDatabases).
create database auth;
create database artist;
create database content;
create database comment;
create database feedback;
create database listening;
create database chat;
