use async_graphql::SimpleObject;

/// The result of the `disconnect` mutation.
#[derive(SimpleObject, Clone, Debug)]
pub struct DisconnectPayload {
    /// True when local state (tokens, synced data, sessions) was cleared.
    pub disconnected: bool,
    /// True when Jobber confirmed the disconnect (`appDisconnect` succeeded).
    pub jobber_confirmed: bool,
    /// What happened, for the merchant.
    pub message: Option<String>,
}

impl From<crate::lifecycle::DisconnectOutcome> for DisconnectPayload {
    fn from(o: crate::lifecycle::DisconnectOutcome) -> Self {
        Self { disconnected: true, jobber_confirmed: o.jobber_confirmed, message: Some(o.message) }
    }
}
