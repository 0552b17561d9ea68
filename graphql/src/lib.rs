//! Talking to Jobber: the vendored schema, typed operations and the client.
