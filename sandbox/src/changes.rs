//! The changes a service provider makes in Jobber's own UI beyond plain create/update/delete,
//! and the webhooks Jobber raises for them: visits (`VISIT_*`), payments (`PAYMENT_*`, which
//! move invoice and client balances), Jobber Payments payouts (`PAYOUT_*`), closing a job
//! (`JOB_CLOSED`), sending and approving a quote (`QUOTE_SENT`, `QUOTE_APPROVED`), and users
//! (`USER_*`). Each method changes the store under the lock, then queues its webhook(s); none
//! talks HTTP.
//!
//! Where Jobber's side effects are undocumented the choice is marked UNCERTAIN.

use chrono::{DateTime, Duration as ChronoDuration, Utc};

use crate::store::{
    self, AccountData, PaymentMethod, PaymentRec, PayoutRec, PayoutStatus, Text, UserRec, VisitRec, touch,
};
use crate::{Inner, RecordKind, Sandbox, SandboxError, State, ids, lock};

/// Fields for [`Sandbox::create_visit`] / [`Sandbox::update_visit`]; camelCase JSON on the admin
/// routes. Unset fields keep their value on update; on create the title is the job's and the
/// visit starts tomorrow at this time for an hour.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VisitInput {
    /// The visit's title (setting it makes `isDefaultTitle` false).
    pub title: Option<String>,
    /// When it starts.
    pub start_at: Option<DateTime<Utc>>,
    /// When it ends.
    pub end_at: Option<DateTime<Utc>>,
}

/// Fields for [`Sandbox::record_payment`] / [`Sandbox::update_payment`]; camelCase JSON on the
/// admin routes. On create, `amount` defaults to the invoice's whole balance, `method` to
/// `cash` and `entryDate` to now.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PaymentInput {
    /// Dollars, more than 0 and at most what the invoice still owes.
    pub amount: Option<f64>,
    /// How it was paid (`cash`, `check`, `other`, `jobberPaymentsCard`); create only.
    pub method: Option<PaymentMethod>,
    /// Free text (`details`).
    pub details: Option<String>,
    /// When it was received (`entryDate`).
    pub entry_date: Option<DateTime<Utc>>,
}

/// Fields for [`Sandbox::create_payout`] / [`Sandbox::update_payout`]; camelCase JSON on the
/// admin routes.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PayoutInput {
    /// Create only: the Jobber Payments card payments (EncodedIds) it pays out; by default
    /// every card payment of the account not paid out yet.
    pub payment_ids: Option<Vec<String>>,
    /// `IN_TRANSIT` (the default on create), `PAID`, `PENDING`, `FAILED` or `CANCELED`.
    pub status: Option<PayoutStatus>,
}

/// Fields for [`Sandbox::update_user`]; camelCase JSON on the admin routes.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserInput {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email.
    pub email: Option<String>,
}

fn unknown(what: &'static str, id: &str) -> SandboxError {
    SandboxError::UnknownItem(what, id.to_owned())
}

fn invalid(message: impl Into<String>) -> SandboxError {
    SandboxError::InvalidInput(message.into())
}

fn decode(ty: &'static str, what: &'static str, id: &str) -> Result<u64, SandboxError> {
    ids::decode(ty, id).ok_or_else(|| unknown(what, id))
}

impl Inner {
    /// Runs `f` on the account under the state lock.
    fn change<T>(
        &self,
        account: u64,
        f: impl FnOnce(&mut AccountData, &mut store::IdCounters) -> Result<T, SandboxError>,
    ) -> Result<T, SandboxError> {
        let mut st = lock(&self.state);
        let st = &mut *st;
        let acc = State::index(account)
            .and_then(|i| st.accounts.get_mut(i))
            .filter(|a| a.id == account)
            .ok_or_else(|| SandboxError::UnknownAccount(ids::encode("Account", account)))?;
        f(acc, &mut st.ids)
    }
}

/// A payment of `delta` dollars (negative: taken back) reaches its invoice and client: both
/// balances move, both `updatedAt`s are bumped, and the invoice is `paid` exactly while
/// nothing is owed. UNCERTAIN: Jobber's status for an invoice whose payment is removed is
/// assumed to go back to `awaiting_payment`.
fn apply_payment(acc: &mut AccountData, invoice_id: u64, client_id: u64, delta: f64) {
    if let Some(inv) = acc.invoices.get_mut(&invoice_id) {
        inv.paid = store::round2(inv.paid + delta);
        if inv.balance() <= 0.0 {
            inv.status = store::INVOICE_PAID;
        } else if inv.status == store::INVOICE_PAID {
            inv.status = store::INVOICE_AWAITING_PAYMENT;
        }
        touch(&mut inv.updated_at);
    }
    if let Some(client) = acc.clients.get_mut(&client_id) {
        client.balance = store::round2(client.balance - delta);
        touch(&mut client.updated_at);
    }
}

/// Visits change the job's schedule, which Jobber counts as a change to the job: its
/// `updatedAt` moves (UNCERTAIN: Jobber's docs only say "changed in a way that is meaningful
/// to the Service Provider"). No `JOB_UPDATE` is sent; the app must follow `VISIT_*` itself.
fn touch_job(acc: &mut AccountData, job_id: u64) {
    if let Some(job) = acc.jobs.get_mut(&job_id) {
        touch(&mut job.updated_at);
    }
}

impl Sandbox {
    /// Adds an admin user to the account and fires `USER_CREATE`. Returns the user's
    /// EncodedId, for [`Sandbox::issue_code_for_user`].
    pub fn add_user(
        &self,
        account_id: &str,
        first: &str,
        last: &str,
        email: &str,
    ) -> Result<String, SandboxError> {
        let account = self.require_account(account_id)?;
        let id = self.inner.change(account, |acc, ids_| {
            if acc.users.iter().any(|u| u.email.eq_ignore_ascii_case(email)) {
                return Err(invalid(format!("the account already has a user with email {email}")));
            }
            let id = store::bump(&mut ids_.user);
            acc.users.push(UserRec {
                id,
                first_name: first.to_owned(),
                last_name: last.to_owned(),
                email: email.to_owned(),
            });
            Ok(id)
        })?;
        let item = ids::encode("User", id);
        self.inner.enqueue("USER_CREATE", account, item.clone());
        Ok(item)
    }

    /// Edits a user and fires `USER_UPDATE`.
    pub fn update_user(
        &self,
        account_id: &str,
        user_id: &str,
        input: UserInput,
    ) -> Result<String, SandboxError> {
        let account = self.require_account(account_id)?;
        let n = decode("User", "user", user_id)?;
        self.inner.change(account, |acc, _| {
            let u = acc.users.iter_mut().find(|u| u.id == n).ok_or_else(|| unknown("user", user_id))?;
            if let Some(v) = input.first_name {
                u.first_name = v;
            }
            if let Some(v) = input.last_name {
                u.last_name = v;
            }
            if let Some(v) = input.email {
                u.email = v;
            }
            Ok(())
        })?;
        self.inner.enqueue("USER_UPDATE", account, user_id.to_owned());
        Ok(user_id.to_owned())
    }

    /// The EncodedIds of a job's visits, oldest first.
    pub fn visits_of_job(&self, account_id: &str, job_id: &str) -> Result<Vec<String>, SandboxError> {
        let account = self.require_account(account_id)?;
        let job = ids::decode("Job", job_id)
            .ok_or_else(|| SandboxError::UnknownRecord(RecordKind::Job, job_id.to_owned()))?;
        self.inner.change(account, |acc, _| {
            if !acc.jobs.contains_key(&job) {
                return Err(SandboxError::UnknownRecord(RecordKind::Job, job_id.to_owned()));
            }
            Ok(acc.visit_ids_of(job).map(|v| ids::encode("Visit", v)).collect())
        })
    }

    /// Schedules a visit on a job and fires `VISIT_CREATE` (the job's `updatedAt` moves).
    pub fn create_visit(
        &self,
        account_id: &str,
        job_id: &str,
        input: VisitInput,
    ) -> Result<String, SandboxError> {
        let account = self.require_account(account_id)?;
        let job = ids::decode("Job", job_id)
            .ok_or_else(|| SandboxError::UnknownRecord(RecordKind::Job, job_id.to_owned()))?;
        let id = self.inner.change(account, |acc, ids_| {
            let title = acc
                .jobs
                .get(&job)
                .map(|j| j.title.clone())
                .ok_or_else(|| SandboxError::UnknownRecord(RecordKind::Job, job_id.to_owned()))?;
            let now = Utc::now();
            let start = input.start_at.unwrap_or(now + ChronoDuration::days(1));
            let end = input.end_at.unwrap_or(start + ChronoDuration::hours(1));
            if end < start {
                return Err(invalid("endAt is before startAt"));
            }
            let id = store::bump(&mut ids_.visit);
            acc.visits.insert(
                id,
                VisitRec {
                    id,
                    job_id: job,
                    default_title: input.title.is_none(),
                    title: input.title.map_or(title, Text::Owned),
                    start_at: Some(start),
                    end_at: Some(end),
                    completed_at: None,
                    created_at: now,
                },
            );
            acc.job_visits.insert((job, id));
            touch_job(acc, job);
            Ok(id)
        })?;
        let item = ids::encode("Visit", id);
        self.inner.enqueue("VISIT_CREATE", account, item.clone());
        Ok(item)
    }

    /// Reschedules or renames a visit and fires `VISIT_UPDATE` (the job's `updatedAt` moves).
    pub fn update_visit(
        &self,
        account_id: &str,
        visit_id: &str,
        input: VisitInput,
    ) -> Result<String, SandboxError> {
        let account = self.require_account(account_id)?;
        let n = decode("Visit", "visit", visit_id)?;
        self.inner.change(account, |acc, _| {
            let v = acc.visits.get_mut(&n).ok_or_else(|| unknown("visit", visit_id))?;
            let start = input.start_at.or(v.start_at);
            let end = input.end_at.or(v.end_at);
            if let (Some(s), Some(e)) = (start, end)
                && e < s
            {
                return Err(invalid("endAt is before startAt"));
            }
            (v.start_at, v.end_at) = (start, end);
            if let Some(t) = input.title {
                v.title = Text::Owned(t);
                v.default_title = false;
            }
            let job = v.job_id;
            touch_job(acc, job);
            Ok(())
        })?;
        self.inner.enqueue("VISIT_UPDATE", account, visit_id.to_owned());
        Ok(visit_id.to_owned())
    }

    /// Marks a visit complete (`completedAt` = now) and fires `VISIT_COMPLETE` only (whether
    /// Jobber also sends `VISIT_UPDATE` is UNCERTAIN; the job's `updatedAt` moves).
    pub fn complete_visit(&self, account_id: &str, visit_id: &str) -> Result<String, SandboxError> {
        let account = self.require_account(account_id)?;
        let n = decode("Visit", "visit", visit_id)?;
        self.inner.change(account, |acc, _| {
            let v = acc.visits.get_mut(&n).ok_or_else(|| unknown("visit", visit_id))?;
            if v.completed_at.is_some() {
                return Err(invalid("the visit is already complete"));
            }
            v.completed_at = Some(Utc::now());
            let job = v.job_id;
            touch_job(acc, job);
            Ok(())
        })?;
        self.inner.enqueue("VISIT_COMPLETE", account, visit_id.to_owned());
        Ok(visit_id.to_owned())
    }

    /// Deletes a visit and fires `VISIT_DESTROY` (the job's `updatedAt` moves).
    pub fn delete_visit(&self, account_id: &str, visit_id: &str) -> Result<String, SandboxError> {
        let account = self.require_account(account_id)?;
        let n = decode("Visit", "visit", visit_id)?;
        self.inner.change(account, |acc, _| {
            let v = acc.visits.remove(&n).ok_or_else(|| unknown("visit", visit_id))?;
            acc.job_visits.remove(&(v.job_id, n));
            touch_job(acc, v.job_id);
            Ok(())
        })?;
        self.inner.enqueue("VISIT_DESTROY", account, visit_id.to_owned());
        Ok(visit_id.to_owned())
    }

    /// Closes a job and fires `JOB_CLOSED` only (not `JOB_UPDATE`: UNCERTAIN, and sending one
    /// would hide an app that ignores `JOB_CLOSED`). The job gets `completedAt` = now and status
    /// `archived`, as a closed job with nothing left to invoice shows in Jobber (UNCERTAIN:
    /// Jobber shows `requires_invoicing` when work is still uninvoiced; the sandbox does not
    /// track that link).
    pub fn close_job(&self, account_id: &str, job_id: &str) -> Result<String, SandboxError> {
        let account = self.require_account(account_id)?;
        let unknown_job = || SandboxError::UnknownRecord(RecordKind::Job, job_id.to_owned());
        let n = ids::decode("Job", job_id).ok_or_else(unknown_job)?;
        self.inner.change(account, |acc, _| {
            let job = acc.jobs.get_mut(&n).ok_or_else(unknown_job)?;
            if job.closed_at.is_some() {
                return Err(invalid("the job is already closed"));
            }
            job.closed_at = Some(Utc::now());
            job.status = store::JOB_ARCHIVED;
            touch(&mut job.updated_at);
            Ok(())
        })?;
        self.inner.enqueue("JOB_CLOSED", account, job_id.to_owned());
        Ok(job_id.to_owned())
    }

    /// Sends a quote to the client (status `awaiting_response`, `sentAt` = now) and fires
    /// `QUOTE_SENT` only (UNCERTAIN, as for `JOB_CLOSED`). Refused for approved, converted and
    /// archived quotes.
    pub fn send_quote(&self, account_id: &str, quote_id: &str) -> Result<String, SandboxError> {
        self.quote_transition(account_id, quote_id, "QUOTE_SENT", store::QUOTE_AWAITING_RESPONSE)
    }

    /// Approves a quote on the client's behalf (status `approved`) and fires `QUOTE_APPROVED`
    /// only (UNCERTAIN, as for `JOB_CLOSED`). Refused for approved, converted and archived
    /// quotes.
    pub fn approve_quote(&self, account_id: &str, quote_id: &str) -> Result<String, SandboxError> {
        self.quote_transition(account_id, quote_id, "QUOTE_APPROVED", store::QUOTE_APPROVED)
    }

    fn quote_transition(
        &self,
        account_id: &str,
        quote_id: &str,
        topic: &'static str,
        to: usize,
    ) -> Result<String, SandboxError> {
        let account = self.require_account(account_id)?;
        let unknown_quote = || SandboxError::UnknownRecord(RecordKind::Quote, quote_id.to_owned());
        let n = ids::decode("Quote", quote_id).ok_or_else(unknown_quote)?;
        self.inner.change(account, |acc, _| {
            let q = acc.quotes.get_mut(&n).ok_or_else(unknown_quote)?;
            match q.status {
                store::QUOTE_APPROVED => return Err(invalid("the quote is already approved")),
                store::QUOTE_CONVERTED => return Err(invalid("the quote was converted to a job")),
                store::QUOTE_ARCHIVED => return Err(invalid("the quote is archived")),
                _ => {}
            }
            q.status = to;
            if to == store::QUOTE_AWAITING_RESPONSE {
                q.sent_at = Some(Utc::now());
            }
            touch(&mut q.updated_at);
            Ok(())
        })?;
        self.inner.enqueue(topic, account, quote_id.to_owned());
        Ok(quote_id.to_owned())
    }

    /// Records a payment on an invoice and fires `PAYMENT_CREATE`: the invoice's
    /// `amounts.invoiceBalance` and the client's `balance` drop by the amount, both
    /// `updatedAt`s move, and the invoice turns `paid` when nothing is owed. Sends
    /// `INVOICE_UPDATE` too only when [`crate::SandboxConfig::payment_sends_invoice_update`].
    pub fn record_payment(
        &self,
        account_id: &str,
        invoice_id: &str,
        input: PaymentInput,
    ) -> Result<String, SandboxError> {
        let account = self.require_account(account_id)?;
        let unknown_invoice = || SandboxError::UnknownRecord(RecordKind::Invoice, invoice_id.to_owned());
        let inv = ids::decode("Invoice", invoice_id).ok_or_else(unknown_invoice)?;
        let id = self.inner.change(account, |acc, ids_| {
            let invoice = acc.invoices.get(&inv).ok_or_else(unknown_invoice)?;
            let balance = invoice.balance();
            let amount = store::round2(input.amount.unwrap_or(balance));
            if amount <= 0.0 {
                return Err(invalid("a payment needs an amount above 0 (the invoice may be paid already)"));
            }
            if amount > balance {
                return Err(invalid(format!(
                    "{amount:.2} is more than the invoice's balance of {balance:.2}"
                )));
            }
            let client_id = invoice.client_id;
            let id = store::bump(&mut ids_.payment);
            acc.payments.insert(
                id,
                PaymentRec {
                    id,
                    invoice_id: inv,
                    client_id,
                    amount,
                    method: input.method.unwrap_or_default(),
                    details: input.details,
                    entry_date: input.entry_date.unwrap_or_else(Utc::now),
                    payout_id: None,
                },
            );
            apply_payment(acc, inv, client_id, amount);
            Ok(id)
        })?;
        let item = ids::encode("PaymentRecord", id);
        self.payment_events("PAYMENT_CREATE", account, &item, inv);
        Ok(item)
    }

    /// Edits a payment (amount, details, entry date) and fires `PAYMENT_UPDATE`; balances move
    /// by the difference. Refused for payments already in a payout.
    pub fn update_payment(
        &self,
        account_id: &str,
        payment_id: &str,
        input: PaymentInput,
    ) -> Result<String, SandboxError> {
        let account = self.require_account(account_id)?;
        let n = decode("PaymentRecord", "payment", payment_id)?;
        let inv = self.inner.change(account, |acc, _| {
            let p = acc.payments.get(&n).ok_or_else(|| unknown("payment", payment_id))?;
            if p.payout_id.is_some() {
                return Err(invalid("the payment was paid out and can no longer change"));
            }
            let (inv, client, old) = (p.invoice_id, p.client_id, p.amount);
            let delta = match input.amount {
                Some(a) => {
                    let a = store::round2(a);
                    let room = acc.invoices.get(&inv).map_or(old, |i| i.balance() + old);
                    if a <= 0.0 || a > room {
                        return Err(invalid(format!("the amount must be above 0 and at most {room:.2}")));
                    }
                    a - old
                }
                None => 0.0,
            };
            if let Some(p) = acc.payments.get_mut(&n) {
                p.amount = store::round2(p.amount + delta);
                if let Some(d) = input.details {
                    p.details = Some(d);
                }
                if let Some(e) = input.entry_date {
                    p.entry_date = e;
                }
            }
            apply_payment(acc, inv, client, delta);
            Ok(inv)
        })?;
        self.payment_events("PAYMENT_UPDATE", account, payment_id, inv);
        Ok(payment_id.to_owned())
    }

    /// Deletes a payment and fires `PAYMENT_DESTROY`; the invoice and client owe the amount
    /// again. Refused for payments already in a payout.
    pub fn delete_payment(&self, account_id: &str, payment_id: &str) -> Result<String, SandboxError> {
        let account = self.require_account(account_id)?;
        let n = decode("PaymentRecord", "payment", payment_id)?;
        let inv = self.inner.change(account, |acc, _| {
            let p = acc.payments.get(&n).ok_or_else(|| unknown("payment", payment_id))?;
            if p.payout_id.is_some() {
                return Err(invalid("the payment was paid out and can no longer change"));
            }
            let p = acc.payments.remove(&n).ok_or_else(|| unknown("payment", payment_id))?;
            apply_payment(acc, p.invoice_id, p.client_id, -p.amount);
            Ok(p.invoice_id)
        })?;
        self.payment_events("PAYMENT_DESTROY", account, payment_id, inv);
        Ok(payment_id.to_owned())
    }

    fn payment_events(&self, topic: &'static str, account: u64, payment: &str, invoice: u64) {
        self.inner.enqueue(topic, account, payment.to_owned());
        if self.inner.config.payment_sends_invoice_update {
            self.inner.enqueue("INVOICE_UPDATE", account, ids::encode("Invoice", invoice));
        }
    }

    /// Pays Jobber Payments card payments out to the bank and fires `PAYOUT_CREATE`. Nothing
    /// else changes: Jobber's schema links a payout to invoices only through
    /// `balanceTransactions → PaymentBalanceTransaction.paymentRecord → invoice`.
    pub fn create_payout(&self, account_id: &str, input: PayoutInput) -> Result<String, SandboxError> {
        let account = self.require_account(account_id)?;
        let PayoutInput { payment_ids, status } = input;
        let wanted = payment_ids
            .map(|v| {
                v.into_iter()
                    .map(|p| decode("PaymentRecord", "payment", &p).map(|n| (n, p)))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let id = self.inner.change(account, |acc, ids_| {
            let payments: Vec<u64> = match wanted {
                Some(list) => {
                    for (n, raw) in &list {
                        let p = acc.payments.get(n).ok_or_else(|| unknown("payment", raw))?;
                        if p.method != PaymentMethod::JobberPaymentsCard {
                            return Err(invalid(format!("{raw} is not a Jobber Payments payment")));
                        }
                        if p.payout_id.is_some() {
                            return Err(invalid(format!("{raw} was paid out already")));
                        }
                    }
                    list.into_iter().map(|(n, _)| n).collect()
                }
                None => acc
                    .payments
                    .values()
                    .filter(|p| p.method == PaymentMethod::JobberPaymentsCard && p.payout_id.is_none())
                    .map(|p| p.id)
                    .collect(),
            };
            if payments.is_empty() {
                return Err(invalid("there are no Jobber Payments card payments to pay out"));
            }
            let id = store::bump(&mut ids_.payout);
            let (mut gross, mut fee) = (0, 0);
            for n in &payments {
                if let Some(p) = acc.payments.get_mut(n) {
                    p.payout_id = Some(id);
                    gross += store::cents(p.amount);
                    fee += store::card_fee_cents(store::cents(p.amount));
                }
            }
            let now = Utc::now();
            acc.payouts.insert(
                id,
                PayoutRec {
                    id,
                    status: status.unwrap_or_default(),
                    created: now,
                    arrival_date: now + ChronoDuration::days(2),
                    payment_ids: payments,
                    gross_cents: gross,
                    fee_cents: fee,
                },
            );
            Ok(id)
        })?;
        let item = ids::encode("PayoutRecord", id);
        self.inner.enqueue("PAYOUT_CREATE", account, item.clone());
        Ok(item)
    }

    /// Changes a payout's status (e.g. `PAID` when it arrives) and fires `PAYOUT_UPDATE`.
    pub fn update_payout(
        &self,
        account_id: &str,
        payout_id: &str,
        input: PayoutInput,
    ) -> Result<String, SandboxError> {
        let account = self.require_account(account_id)?;
        let n = decode("PayoutRecord", "payout", payout_id)?;
        let PayoutInput { payment_ids, status } = input;
        if payment_ids.is_some() {
            return Err(invalid("a payout's payments cannot change"));
        }
        self.inner.change(account, |acc, _| {
            let p = acc.payouts.get_mut(&n).ok_or_else(|| unknown("payout", payout_id))?;
            if let Some(s) = status {
                p.status = s;
            }
            Ok(())
        })?;
        self.inner.enqueue("PAYOUT_UPDATE", account, payout_id.to_owned());
        Ok(payout_id.to_owned())
    }
}
