//! One typed path per synced resource: Jobber's operations → the stored item → the indexed
//! columns (→ the API type, in `api::types`).
//!
//! [`Synced`] has one implementation per resource ([`Clients`], [`Properties`], [`Jobs`],
//! [`Quotes`], [`Invoices`]). Each item is stored as JSON in `sync_records.data` in Jobber's shape
//! and read back into the same type ([`Synced::Item`], the list operation's node type); the item
//! fetched by id (after a webhook) converts into it field by field, so the two operations cannot
//! drift apart without a compile error. Adding a resource means one implementation here, its two
//! operations in `graphql/operations/`, a [`Resource`] variant and its API type.
//!
//! Runtime dispatch from a [`Resource`] to the implementation: [`with_resource!`].

use chrono::{DateTime, FixedOffset, Utc};
use jobber_graphql::{
    GraphQLQuery,
    operations::{
        self as ops, client, clients, invoice, invoices, job, jobs, properties, property, quote, quotes,
    },
};
use serde::{Serialize, de::DeserializeOwned};

use crate::db::{enums::Resource, records::RecordRow};

/// A page of items as Jobber sent them.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub end_cursor: Option<String>,
    pub has_next: bool,
}

/// What the `sync_records` columns hold for an item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Indexed {
    pub title: String,
    /// Words searched by the API (lower-cased when stored).
    pub search: Vec<String>,
    pub number: Option<i64>,
    pub status: Option<String>,
    pub client_id: Option<String>,
    pub amount: Option<f64>,
    pub balance: Option<f64>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Variables of an operation.
pub type Vars<Q> = <Q as GraphQLQuery>::Variables;
/// Data of an operation's answer.
pub type Data<Q> = <Q as GraphQLQuery>::ResponseData;

/// A kind of Jobber data this app syncs.
pub trait Synced: Send + Sync + 'static {
    /// Which one.
    const RESOURCE: Resource;
    /// Points one item is assumed to cost before Jobber has told us (our operations select 10 to
    /// 22 fields).
    const COST_PER_ITEM: f64;
    /// The item as stored and read back (Jobber's JSON shape).
    type Item: Serialize + DeserializeOwned + Clone + std::fmt::Debug + Send + Sync + 'static;
    /// The paged list operation.
    type List: GraphQLQuery<Variables: Clone + Send + Sync, ResponseData: Send> + Send + Sync;
    /// The by-id operation.
    type One: GraphQLQuery<Variables: Clone + Send + Sync, ResponseData: Send> + Send + Sync;

    /// Variables for a page of `first` after `after`; `since` filters on `updatedAt` where Jobber
    /// can.
    fn list_variables(
        first: i64,
        after: Option<String>,
        since: Option<DateTime<FixedOffset>>,
    ) -> Vars<Self::List>;
    /// The page in an answer.
    fn page(data: Data<Self::List>) -> Page<Self::Item>;
    /// Variables to fetch one item by id.
    fn one_variables(id: String) -> Vars<Self::One>;
    /// The item in an answer (`None`: Jobber has no such item).
    fn one(data: Data<Self::One>) -> Option<Self::Item>;
    /// Jobber's id of an item.
    fn id(item: &Self::Item) -> &str;
    /// The indexed columns of an item.
    fn index(item: &Self::Item) -> Indexed;
}

/// Calls `$body` with `$R` bound to the implementation of `$resource`.
#[macro_export]
macro_rules! with_resource {
    ($resource:expr, $R:ident => $body:expr) => {{
        use $crate::{db::enums::Resource as __Resource, sync::resources as __r};
        match $resource {
            __Resource::Clients => {
                type $R = __r::Clients;
                $body
            }
            __Resource::Properties => {
                type $R = __r::Properties;
                $body
            }
            __Resource::Jobs => {
                type $R = __r::Jobs;
                $body
            }
            __Resource::Quotes => {
                type $R = __r::Quotes;
                $body
            }
            __Resource::Invoices => {
                type $R = __r::Invoices;
                $body
            }
        }
    }};
}
pub use with_resource;

/// The stored row of an item.
pub fn record_row<R: Synced>(item: &R::Item) -> RecordRow {
    let ix = R::index(item);
    RecordRow {
        jobber_id: R::id(item).to_owned(),
        search_text: ix
            .search
            .iter()
            .filter(|w| !w.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
        title: ix.title,
        number: ix.number,
        status: ix.status,
        client_jobber_id: ix.client_id,
        amount: ix.amount,
        balance: ix.balance,
        updated_at: ix.updated_at,
        // Serializing our own typed item cannot fail (no maps with non-string keys).
        data: serde_json::to_string(item).unwrap_or_default(),
    }
}

/// A stored item read back.
pub fn stored_item<R: Synced>(data: Option<&str>) -> Option<R::Item> {
    serde_json::from_str(data?).ok()
}

fn utc(t: DateTime<FixedOffset>) -> DateTime<Utc> {
    t.with_timezone(&Utc)
}

/// `"123"` (quotes and invoices number as strings) or nothing.
fn number(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

fn some(s: &Option<String>) -> Option<String> {
    s.clone().filter(|s| !s.is_empty())
}

// ---------------------------------------------------------------------------------------- clients

/// Jobber clients.
pub struct Clients;
/// A client as stored.
pub type ClientItem = clients::ClientsClientsNodes;

impl Synced for Clients {
    const RESOURCE: Resource = Resource::Clients;
    const COST_PER_ITEM: f64 = 25.0;
    type Item = ClientItem;
    type List = ops::Clients;
    type One = ops::Client;

    fn list_variables(
        first: i64,
        after: Option<String>,
        since: Option<DateTime<FixedOffset>>,
    ) -> Vars<Self::List> {
        clients::Variables {
            first,
            after,
            updated_at: since.map(|t| clients::Iso8601DateTimeRangeInput {
                after: Some(t),
                before: None,
                eq: None,
            }),
        }
    }

    fn page(data: Data<Self::List>) -> Page<ClientItem> {
        let c = data.clients;
        Page { items: c.nodes, end_cursor: c.page_info.end_cursor, has_next: c.page_info.has_next_page }
    }

    fn one_variables(id: String) -> Vars<Self::One> {
        client::Variables { id }
    }

    fn one(data: Data<Self::One>) -> Option<ClientItem> {
        let c = data.client?;
        Some(clients::ClientsClientsNodes {
            id: c.id,
            first_name: c.first_name,
            last_name: c.last_name,
            company_name: c.company_name,
            is_company: c.is_company,
            name: c.name,
            emails: c
                .emails
                .into_iter()
                .map(|e| clients::ClientsClientsNodesEmails { address: e.address, primary: e.primary })
                .collect(),
            phones: c
                .phones
                .into_iter()
                .map(|p| clients::ClientsClientsNodesPhones { number: p.number, primary: p.primary })
                .collect(),
            billing_address: c.billing_address.map(|a| clients::ClientsClientsNodesBillingAddress {
                street: a.street,
                city: a.city,
                province: a.province,
                postal_code: a.postal_code,
                country: a.country,
            }),
            balance: c.balance,
            is_archived: c.is_archived,
            created_at: c.created_at,
            updated_at: c.updated_at,
        })
    }

    fn id(item: &ClientItem) -> &str {
        &item.id
    }

    fn index(c: &ClientItem) -> Indexed {
        let person = [c.first_name.as_str(), c.last_name.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let title = [Some(c.name.clone()).filter(|n| !n.is_empty()), some(&c.company_name)]
            .into_iter()
            .flatten()
            .next()
            .unwrap_or_else(|| person.clone());
        let mut search = vec![title.clone(), c.first_name.clone(), c.last_name.clone()];
        search.extend(some(&c.company_name));
        search.extend(c.emails.iter().map(|e| e.address.clone()));
        search.extend(c.phones.iter().map(|p| p.number.clone()));
        if let Some(a) = &c.billing_address {
            search.extend([
                a.street.clone(),
                a.city.clone(),
                a.province.clone(),
                a.postal_code.clone(),
                a.country.clone(),
            ]);
        }
        Indexed {
            title,
            search,
            status: Some(if c.is_archived { "archived" } else { "active" }.to_owned()),
            balance: Some(c.balance),
            updated_at: Some(utc(c.updated_at)),
            ..Indexed::default()
        }
    }
}

// ------------------------------------------------------------------------------------- properties

/// Jobber properties (service addresses).
pub struct Properties;
/// A property as stored.
pub type PropertyItem = properties::PropertiesPropertiesNodes;

impl Synced for Properties {
    const RESOURCE: Resource = Resource::Properties;
    const COST_PER_ITEM: f64 = 12.0;
    type Item = PropertyItem;
    type List = ops::Properties;
    type One = ops::Property;

    fn list_variables(
        first: i64,
        after: Option<String>,
        _since: Option<DateTime<FixedOffset>>,
    ) -> Vars<Self::List> {
        properties::Variables { first, after }
    }

    fn page(data: Data<Self::List>) -> Page<PropertyItem> {
        let c = data.properties;
        Page { items: c.nodes, end_cursor: c.page_info.end_cursor, has_next: c.page_info.has_next_page }
    }

    fn one_variables(id: String) -> Vars<Self::One> {
        property::Variables { id }
    }

    fn one(data: Data<Self::One>) -> Option<PropertyItem> {
        let p = data.property?;
        Some(properties::PropertiesPropertiesNodes {
            id: p.id,
            address: properties::PropertiesPropertiesNodesAddress {
                street: p.address.street,
                city: p.address.city,
                province: p.address.province,
                postal_code: p.address.postal_code,
                country: p.address.country,
            },
            client: p.client.map(|c| properties::PropertiesPropertiesNodesClient { id: c.id }),
            is_billing_address: p.is_billing_address,
        })
    }

    fn id(item: &PropertyItem) -> &str {
        &item.id
    }

    fn index(p: &PropertyItem) -> Indexed {
        let a = &p.address;
        let parts: Vec<String> = [
            Some(a.street.clone()),
            a.city.clone(),
            a.province.clone(),
            a.postal_code.clone(),
            a.country.clone(),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
        Indexed {
            title: parts.iter().take(2).cloned().collect::<Vec<_>>().join(", "),
            search: parts,
            client_id: p.client.as_ref().map(|c| c.id.clone()),
            ..Indexed::default()
        }
    }
}

// ------------------------------------------------------------------------------------------- jobs

/// Jobber jobs.
pub struct Jobs;
/// A job as stored.
pub type JobItem = jobs::JobsJobsNodes;

impl Synced for Jobs {
    const RESOURCE: Resource = Resource::Jobs;
    const COST_PER_ITEM: f64 = 16.0;
    type Item = JobItem;
    type List = ops::Jobs;
    type One = ops::Job;

    /// Jobs cannot be filtered by `updatedAt`: they come most recently updated first, and an
    /// incremental run stops at the first job older than its mark.
    fn list_variables(
        first: i64,
        after: Option<String>,
        _since: Option<DateTime<FixedOffset>>,
    ) -> Vars<Self::List> {
        jobs::Variables { first, after }
    }

    fn page(data: Data<Self::List>) -> Page<JobItem> {
        let c = data.jobs;
        Page { items: c.nodes, end_cursor: c.page_info.end_cursor, has_next: c.page_info.has_next_page }
    }

    fn one_variables(id: String) -> Vars<Self::One> {
        job::Variables { id }
    }

    fn one(data: Data<Self::One>) -> Option<JobItem> {
        let j = data.job?;
        Some(jobs::JobsJobsNodes {
            id: j.id,
            job_number: j.job_number,
            title: j.title,
            job_status: j.job_status,
            client: jobs::JobsJobsNodesClient { id: j.client.id },
            property: jobs::JobsJobsNodesProperty { id: j.property.id },
            start_at: j.start_at,
            end_at: j.end_at,
            completed_at: j.completed_at,
            total: j.total,
            created_at: j.created_at,
            updated_at: j.updated_at,
        })
    }

    fn id(item: &JobItem) -> &str {
        &item.id
    }

    fn index(j: &JobItem) -> Indexed {
        let title = j.title.clone().unwrap_or_default();
        Indexed {
            search: vec![title.clone(), format!("#{}", j.job_number)],
            title,
            number: Some(j.job_number),
            status: Some(j.job_status.clone()),
            client_id: Some(j.client.id.clone()),
            amount: Some(j.total),
            updated_at: Some(utc(j.updated_at)),
            ..Indexed::default()
        }
    }
}

// ----------------------------------------------------------------------------------------- quotes

/// Jobber quotes.
pub struct Quotes;
/// A quote as stored.
pub type QuoteItem = quotes::QuotesQuotesNodes;

impl Synced for Quotes {
    const RESOURCE: Resource = Resource::Quotes;
    const COST_PER_ITEM: f64 = 16.0;
    type Item = QuoteItem;
    type List = ops::Quotes;
    type One = ops::Quote;

    fn list_variables(
        first: i64,
        after: Option<String>,
        since: Option<DateTime<FixedOffset>>,
    ) -> Vars<Self::List> {
        quotes::Variables {
            first,
            after,
            updated_at: since.map(|t| quotes::Iso8601DateTimeRangeInput {
                after: Some(t),
                before: None,
                eq: None,
            }),
        }
    }

    fn page(data: Data<Self::List>) -> Page<QuoteItem> {
        let c = data.quotes;
        Page { items: c.nodes, end_cursor: c.page_info.end_cursor, has_next: c.page_info.has_next_page }
    }

    fn one_variables(id: String) -> Vars<Self::One> {
        quote::Variables { id }
    }

    fn one(data: Data<Self::One>) -> Option<QuoteItem> {
        let q = data.quote?;
        Some(quotes::QuotesQuotesNodes {
            id: q.id,
            quote_number: q.quote_number,
            quote_status: q.quote_status,
            title: q.title,
            client: q.client.map(|c| quotes::QuotesQuotesNodesClient { id: c.id }),
            property: q.property.map(|p| quotes::QuotesQuotesNodesProperty { id: p.id }),
            amounts: quotes::QuotesQuotesNodesAmounts {
                subtotal: q.amounts.subtotal,
                total: q.amounts.total,
            },
            created_at: q.created_at,
            updated_at: q.updated_at,
        })
    }

    fn id(item: &QuoteItem) -> &str {
        &item.id
    }

    fn index(q: &QuoteItem) -> Indexed {
        let title = q.title.clone().unwrap_or_default();
        let n = number(&q.quote_number);
        let mut search = vec![title.clone()];
        search.extend(n.map(|n| format!("#{n}")));
        Indexed {
            title,
            search,
            number: n,
            status: Some(q.quote_status.clone()),
            client_id: q.client.as_ref().map(|c| c.id.clone()),
            amount: Some(q.amounts.total),
            updated_at: Some(utc(q.updated_at)),
            ..Indexed::default()
        }
    }
}

// --------------------------------------------------------------------------------------- invoices

/// Jobber invoices.
pub struct Invoices;
/// An invoice as stored.
pub type InvoiceItem = invoices::InvoicesInvoicesNodes;

impl Synced for Invoices {
    const RESOURCE: Resource = Resource::Invoices;
    const COST_PER_ITEM: f64 = 18.0;
    type Item = InvoiceItem;
    type List = ops::Invoices;
    type One = ops::Invoice;

    fn list_variables(
        first: i64,
        after: Option<String>,
        since: Option<DateTime<FixedOffset>>,
    ) -> Vars<Self::List> {
        invoices::Variables {
            first,
            after,
            updated_at: since.map(|t| invoices::Iso8601DateTimeRangeInput {
                after: Some(t),
                before: None,
                eq: None,
            }),
        }
    }

    fn page(data: Data<Self::List>) -> Page<InvoiceItem> {
        let c = data.invoices;
        Page { items: c.nodes, end_cursor: c.page_info.end_cursor, has_next: c.page_info.has_next_page }
    }

    fn one_variables(id: String) -> Vars<Self::One> {
        invoice::Variables { id }
    }

    fn one(data: Data<Self::One>) -> Option<InvoiceItem> {
        let i = data.invoice?;
        Some(invoices::InvoicesInvoicesNodes {
            id: i.id,
            invoice_number: i.invoice_number,
            invoice_status: i.invoice_status,
            subject: i.subject,
            client: i.client.map(|c| invoices::InvoicesInvoicesNodesClient { id: c.id }),
            amounts: i.amounts.map(|a| invoices::InvoicesInvoicesNodesAmounts {
                subtotal: a.subtotal,
                total: a.total,
                invoice_balance: a.invoice_balance,
            }),
            issued_date: i.issued_date,
            due_date: i.due_date,
            created_at: i.created_at,
            updated_at: i.updated_at,
        })
    }

    fn id(item: &InvoiceItem) -> &str {
        &item.id
    }

    fn index(i: &InvoiceItem) -> Indexed {
        let n = number(&i.invoice_number);
        let mut search = vec![i.subject.clone()];
        search.extend(n.map(|n| format!("#{n}")));
        Indexed {
            title: i.subject.clone(),
            search,
            number: n,
            status: Some(i.invoice_status.clone()),
            client_id: i.client.as_ref().map(|c| c.id.clone()),
            amount: i.amounts.as_ref().map(|a| a.total),
            balance: i.amounts.as_ref().map(|a| a.invoice_balance),
            updated_at: Some(utc(i.updated_at)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An item stored before this module existed (the node serialized by graphql_client) reads
    /// back, and is stored again in the same shape.
    #[test]
    fn stored_json_round_trips() {
        let json = r#"{"id":"Q2xpZW50LzE=","firstName":"Ada","lastName":"Lovelace","companyName":null,
            "isCompany":false,"name":"Ada Lovelace","emails":[{"address":"ada@example.com","primary":true}],
            "phones":[{"number":"555-0100","primary":true}],
            "billingAddress":{"street":"1 Main St","city":"Calgary","province":"AB","postalCode":"T2P 1J9","country":"Canada"},
            "balance":12.5,"isArchived":false,"createdAt":"2026-11-01T12:00:00-07:00","updatedAt":"2026-11-28T12:00:00-07:00"}"#;
        let item = stored_item::<Clients>(Some(json)).expect("reads the stored shape");
        let row = record_row::<Clients>(&item);
        assert_eq!(row.title, "Ada Lovelace");
        assert_eq!(row.balance, Some(12.5));
        assert!(row.search_text.contains("ada@example.com") && row.search_text.contains("calgary"));
        assert_eq!(row.updated_at.unwrap().to_rfc3339(), "2026-11-28T19:00:00+00:00");
        let again: serde_json::Value = serde_json::from_str(&row.data).unwrap();
        let before: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(again, before);
    }

    #[test]
    fn invoice_columns() {
        let json = r#"{"id":"SW52","invoiceNumber":"42","invoiceStatus":"paid","subject":"Spring cleanup",
            "client":{"id":"Q2xp"},"amounts":{"subtotal":90.0,"total":100.0,"invoiceBalance":0.0},
            "issuedDate":null,"dueDate":null,"createdAt":"2026-11-01T12:00:00Z","updatedAt":"2026-11-02T12:00:00Z"}"#;
        let row = record_row::<Invoices>(&stored_item::<Invoices>(Some(json)).unwrap());
        assert_eq!((row.number, row.amount, row.balance), (Some(42), Some(100.0), Some(0.0)));
        assert_eq!(row.client_jobber_id.as_deref(), Some("Q2xp"));
        assert_eq!(row.status.as_deref(), Some("paid"));
        assert!(row.search_text.contains("#42"));
    }
}
