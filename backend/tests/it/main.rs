//! Integration tests: the real router over HTTP, on SQLite by default or on PostgreSQL when
//! `TEST_DATABASE_URL` points at a server (each test then gets a fresh database).

mod admin;
mod audit;
mod connect;
mod edge;
mod fleet;
mod foundation;
mod merchant;
mod operations;
mod support;
mod sync;
mod tokens;
mod topics;
mod transitions;
mod webhook_health;
mod webhooks;
mod webhooks_crash;
