//! One Rust type per named operation in `graphql/operations/*.graphql`, generated at compile time
//! from the vendored schema by `graphql_client`'s derive.
//!
//! This module owns only the generated types and the mapping of Jobber's custom scalars. It must not
//! hold behaviour: sending, pacing and error mapping live in [`crate::client`] and
//! [`crate::governor`]. Adding an operation: write `operations/<Name>.graphql` (with an explicit
//! `first` on every connection), then add a struct here with the same name.

use graphql_client::GraphQLQuery;

// Jobber's custom scalars, as the derive expects them to be named in scope.
/// Jobber's opaque id (base64 of `gid://Jobber/<Type>/<n>`); only ever compared and sent back.
pub type EncodedId = String;
/// An ISO 8601 timestamp with an offset, e.g. `2021-08-12T16:31:36-06:00`.
pub type ISO8601DateTime = chrono::DateTime<chrono::FixedOffset>;
// Jobber's status enums, kept as the strings Jobber sends (`active`, `past_due`, …): one type
// shared by every operation (a list and a by-id query of the same item then agree), and a value
// Jobber adds later is carried through, not an error.
/// `JobStatusTypeEnum` as Jobber spells it.
pub type JobStatusTypeEnum = String;
/// `QuoteStatusTypeEnum` as Jobber spells it.
pub type QuoteStatusTypeEnum = String;
/// `InvoiceStatusTypeEnum` as Jobber spells it.
pub type InvoiceStatusTypeEnum = String;

macro_rules! operation {
    ($(#[$doc:meta])* $name:ident, $file:tt) => {
        $(#[$doc])*
        #[derive(GraphQLQuery)]
        #[graphql(
            schema_path = "schema/jobber.graphql",
            query_path = $file,
            response_derives = "Debug, Clone, Serialize",
            variables_derives = "Debug, Clone, Deserialize",
            extern_enums("JobStatusTypeEnum", "QuoteStatusTypeEnum", "InvoiceStatusTypeEnum"),
            // Leave unset optional inputs out instead of sending `null`: `updatedAt: {after: X}`
            // must not also say `before: null`.
            skip_serializing_none
        )]
        pub struct $name;
    };
}

operation!(
    /// `account { id name }`: the connected account; allowed whatever the app's scopes.
    Account,
    "operations/Account.graphql"
);
operation!(
    /// The user whose token is used: `user { id name { full } email { raw } }`.
    CurrentUser,
    "operations/CurrentUser.graphql"
);
operation!(
    /// A page of clients, optionally filtered by `updatedAt` (incremental sync).
    Clients,
    "operations/Clients.graphql"
);
operation!(
    /// A page of properties.
    Properties,
    "operations/Properties.graphql"
);
operation!(
    /// A page of jobs, most recently updated first (jobs have no `updatedAt` filter).
    Jobs,
    "operations/Jobs.graphql"
);
operation!(
    /// A page of quotes, optionally filtered by `updatedAt`.
    Quotes,
    "operations/Quotes.graphql"
);
operation!(
    /// A page of invoices, optionally filtered by `updatedAt`.
    Invoices,
    "operations/Invoices.graphql"
);
operation!(
    /// One client by id (`null` when missing or not visible).
    Client,
    "operations/Client.graphql"
);
operation!(
    /// One property by id.
    Property,
    "operations/Property.graphql"
);
operation!(
    /// One job by id.
    Job,
    "operations/Job.graphql"
);
operation!(
    /// One quote by id.
    Quote,
    "operations/Quote.graphql"
);
operation!(
    /// One invoice by id.
    Invoice,
    "operations/Invoice.graphql"
);
operation!(
    /// `appDisconnect`: disconnects the app from the token's account and invalidates its tokens.
    AppDisconnect,
    "operations/AppDisconnect.graphql"
);
operation!(
    /// The job a visit belongs to (`visit(id) { job { id } }`).
    VisitJob,
    "operations/VisitJob.graphql"
);
operation!(
    /// The invoice (or, for a deposit, the quote) and the client a payment record affects.
    PaymentRecordLinks,
    "operations/PaymentRecordLinks.graphql"
);
