//! Integration tests for `jobber-graphql`: the client, governor and OAuth client against narrow
//! HTTP fakes of Jobber on 127.0.0.1:0, fed with the shapes in `testdata/jobber/` (a copy of the shared fixtures).

mod errors;
mod governor;
mod oauth;
mod operations;
mod sandbox;
mod support;
