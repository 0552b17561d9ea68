//! Output and input types of our GraphQL API, one module per type family.
mod app_info;
mod connection;
mod disconnect;
mod sync;
mod webhook_event;

pub use self::{app_info::*, connection::*, disconnect::*, sync::*, webhook_event::*};

/// Cursor paging information.
#[derive(async_graphql::SimpleObject, Clone, Debug)]
pub struct PageInfo {
    /// True when more items follow.
    pub has_next_page: bool,
    /// Pass as `after` to get the next page.
    pub end_cursor: Option<String>,
}
