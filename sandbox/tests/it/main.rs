//! Integration tests for the Jobber sandbox, all through HTTP the way an app talks to Jobber.

mod cli;
mod contract;
mod disconnect;
mod embedding;
mod faults;
mod graphql;
mod oauth;
mod support;
mod webhooks;
