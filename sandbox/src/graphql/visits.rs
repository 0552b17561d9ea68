//! Jobber's `Visit` (one scheduled occurrence of a job) and `VisitConnection`, as the vendored
//! schema types them. A visit's client and property are its job's. The sandbox serves the
//! fields an app syncs; Jobber's `ScheduledItemInterface` is not declared (the schema contract
//! allows serving less).

use async_graphql::{
    Context, Enum, InputValueError, InputValueResult, Object, Result, Scalar, ScalarType, SimpleObject, Value,
};
use chrono::Utc;

use super::types::{
    Client, EncodedId, Invoice, Iso8601DateTime, Job, PageInfo, Property, connection, dt, gctx,
};
use crate::store::{Page, VisitRec};
use crate::{ids, lock};

connection!(VisitConnection, VisitEdge, Visit, "visits");

/// An IANA time zone name such as `America/Edmonton`. Accepted and ignored: the sandbox
/// computes `visitStatus` in UTC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timezone(pub String);

#[Scalar(name = "Timezone")]
impl ScalarType for Timezone {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(Self(s)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// Where a visit stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum VisitStatusTypeEnum {
    /// Under way now.
    Active,
    /// Done.
    Completed,
    /// Its end passed without completion.
    Late,
    /// Starts today.
    Today,
    /// Has no start.
    Unscheduled,
    /// Starts after today.
    Upcoming,
}

/// A visit: one scheduled occurrence of a job.
#[derive(Clone)]
pub struct Visit(pub(super) VisitRec);

impl Visit {
    fn job_rec(&self, ctx: &Context<'_>) -> Result<Option<Job>> {
        let g = gctx(ctx);
        let st = lock(&g.inner.state);
        Ok(st.account(g.account).and_then(|a| a.jobs.get(&self.0.job_id)).cloned().map(Job))
    }
}

/// A visit: one scheduled occurrence of a job.
#[Object]
impl Visit {
    /// The visit's id.
    async fn id(&self) -> EncodedId {
        EncodedId(ids::encode("Visit", self.0.id))
    }

    /// Title (the job's unless changed).
    async fn title(&self) -> Option<&str> {
        Some(&self.0.title)
    }

    /// Whether the title is still the job's.
    async fn is_default_title(&self) -> bool {
        self.0.default_title
    }

    /// When it starts.
    async fn start_at(&self) -> Option<Iso8601DateTime> {
        self.0.start_at.map(dt)
    }

    /// When it ends.
    async fn end_at(&self) -> Option<Iso8601DateTime> {
        self.0.end_at.map(dt)
    }

    /// Minutes between start and end.
    async fn duration(&self) -> Option<i32> {
        let (s, e) = (self.0.start_at?, self.0.end_at?);
        i32::try_from((e - s).num_minutes()).ok()
    }

    /// Whether it takes the whole day (sandbox visits never do).
    async fn all_day(&self) -> bool {
        false
    }

    /// When it was completed.
    async fn completed_at(&self) -> Option<Iso8601DateTime> {
        self.0.completed_at.map(dt)
    }

    /// Whether it was completed.
    async fn is_complete(&self) -> bool {
        self.0.completed_at.is_some()
    }

    /// When the visit was created.
    async fn created_at(&self) -> Iso8601DateTime {
        dt(self.0.created_at)
    }

    /// Crew instructions (none in the sandbox).
    async fn instructions(&self) -> Option<String> {
        None
    }

    /// The invoice the visit is billed on (the sandbox does not link them).
    async fn invoice(&self) -> Option<Invoice> {
        None
    }

    /// Whether it is the job's last visit by start time.
    async fn is_last_scheduled_visit(&self, ctx: &Context<'_>) -> bool {
        let g = gctx(ctx);
        let st = lock(&g.inner.state);
        st.account(g.account).is_some_and(|a| {
            a.visit_ids_of(self.0.job_id)
                .filter_map(|v| a.visits.get(&v))
                .filter(|v| v.id != self.0.id)
                .all(|v| v.start_at <= self.0.start_at)
        })
    }

    /// Its status now, computed in UTC whatever `timezone` says.
    async fn visit_status(&self, timezone: Option<Timezone>) -> VisitStatusTypeEnum {
        let _ = timezone;
        let now = Utc::now();
        let v = &self.0;
        match (v.completed_at, v.start_at, v.end_at) {
            (Some(_), _, _) => VisitStatusTypeEnum::Completed,
            (None, None, _) => VisitStatusTypeEnum::Unscheduled,
            (None, Some(_), Some(end)) if end < now => VisitStatusTypeEnum::Late,
            (None, Some(start), _) if start <= now => VisitStatusTypeEnum::Active,
            (None, Some(start), _) if start.date_naive() == now.date_naive() => VisitStatusTypeEnum::Today,
            (None, Some(_), _) => VisitStatusTypeEnum::Upcoming,
        }
    }

    /// The job it belongs to.
    async fn job(&self, ctx: &Context<'_>) -> Result<Job> {
        self.job_rec(ctx)?.ok_or_else(|| "job was deleted".into())
    }

    /// The job's client.
    async fn client(&self, ctx: &Context<'_>) -> Result<Client> {
        let job = self.job_rec(ctx)?.ok_or("job was deleted")?;
        super::types::find_client(ctx, job.0.client_id)?.ok_or_else(|| "client was deleted".into())
    }

    /// The job's property.
    async fn property(&self, ctx: &Context<'_>) -> Result<Property> {
        let job = self.job_rec(ctx)?.ok_or("job was deleted")?;
        super::types::find_property(ctx, job.0.property_id)?.ok_or_else(|| "property was deleted".into())
    }
}
