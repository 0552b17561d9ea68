//! Integration tests for the Jobber sandbox, all through HTTP the way an app talks to Jobber.

mod cli;
mod contract;
mod disconnect;
mod embedding;
mod faults;
mod fleet;
mod graphql;
mod oauth;
mod pages;
mod payments;
mod support;
mod tokens;
mod topics;
mod users;
mod visits;
mod webhook_switch;
mod webhooks;
mod work;
