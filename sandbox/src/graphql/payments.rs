//! Payments and payouts as Jobber's schema types them.
//!
//! - `paymentRecord(id)` returns `PaymentRecordInterface`; the sandbox implements it with
//!   `CashPaymentRecord`, `CheckPaymentRecord`, `OtherPaymentRecord` and
//!   `JobberPaymentsCreditCardPaymentRecord` (one per `PaymentMethod`).
//! - `Invoice.paymentRecords` is a `PaymentRecordConnection` of the plain `PaymentRecord` type.
//! - `payoutRecord(id)` returns `PayoutRecord`, whose `balanceTransactions` hold one
//!   `PaymentBalanceTransaction` per card payment paid out; its `paymentRecord.invoice` is the
//!   only path in Jobber's schema from a payout to invoices. Payout money is in cents (`Int`),
//!   payment money in dollars (`Float`), as in Jobber's schema.

use async_graphql::{Context, Enum, Interface, Object, Result, SimpleObject};

use super::types::{
    Client, EncodedId, Invoice, Iso8601DateTime, PageInfo, Quote, connection, dt, find_client, gctx,
    page_args, with_account,
};
use crate::store::{self, Page, PaymentMethod, PaymentRec, PayoutRec, paginate};
use crate::{ids, lock};

connection!(PaymentRecordConnection, PaymentRecordEdge, PaymentRecord, "payment records");
connection!(
    BalanceTransactionInterfaceConnection,
    BalanceTransactionInterfaceEdge,
    BalanceTransactionInterface,
    "balance transactions"
);

/// The payouts' currency. UNCERTAIN: Jobber's spelling (ISO upper case assumed); the sandbox's
/// accounts are Canadian.
const CURRENCY: &str = "CAD";

/// What a payment record does to the balance.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum IncomeAdjustmentType {
    /// An invoice.
    Invoice,
    /// A refund.
    Refund,
    /// A correction.
    Correction,
    /// An opening balance.
    InitialBalance,
    /// A bank payment that bounced.
    FailedAchPayment,
    /// A payment (every sandbox payment record).
    Payment,
    /// A deposit.
    Deposit,
    /// Written off.
    BadDebt,
}

/// How a payment was made.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PaymentType {
    /// Cash.
    Cash,
    /// Cheque.
    Cheque,
    /// A card outside Jobber Payments.
    CreditCard,
    /// Bank transfer.
    BankTransfer,
    /// Money order.
    MoneyOrder,
    /// Anything else.
    Other,
    /// Jobber Payments.
    JobberPayments,
    /// An e-payment.
    Epayment,
    /// Consumer financing.
    ConsumerFinancing,
}

/// Where a Jobber Payments transaction stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum JobberPaymentTransactionStatus {
    /// Being disputed.
    InDispute,
    /// Not settled yet.
    Pending,
    /// Refunded.
    Refunded,
    /// Failed.
    Failed,
    /// Disputed.
    Disputed,
    /// Settled (every sandbox card payment).
    Succeeded,
}

/// How fast a payout is sent.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PayoutMethod {
    /// Instant payout.
    Instant,
    /// Standard payout (every sandbox payout).
    Standard,
}

/// Where a payout is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "PayoutStatus")]
pub enum GqlPayoutStatus {
    /// Arrived.
    Paid,
    /// On its way.
    InTransit,
    /// Not sent yet.
    Pending,
    /// Refused.
    Failed,
    /// Cancelled.
    Canceled,
}

impl From<store::PayoutStatus> for GqlPayoutStatus {
    fn from(s: store::PayoutStatus) -> Self {
        match s {
            store::PayoutStatus::Paid => Self::Paid,
            store::PayoutStatus::InTransit => Self::InTransit,
            store::PayoutStatus::Pending => Self::Pending,
            store::PayoutStatus::Failed => Self::Failed,
            store::PayoutStatus::Canceled => Self::Canceled,
        }
    }
}

/// Where a payout goes.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "Payout")]
pub enum PayoutType {
    /// A bank account (every sandbox payout).
    BankAccount,
    /// A debit card.
    Card,
}

/// Kinds of balance transactions.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum BalanceTransaction {
    /// Instant payout.
    InstantPayout,
    /// Its fee.
    InstantPayoutFee,
    /// A client's payment (the only kind the sandbox has).
    Payment,
    /// A deposit.
    Deposit,
    /// A dispute.
    Dispute,
    /// A refund.
    Refund,
    /// Its fee.
    RefundFee,
    /// A dispute won.
    WonDispute,
    /// A fee adjustment.
    FeeAdjustment,
    /// Financing paid out.
    FinancingPayout,
    /// Financing repaid.
    FinancingRepayment,
    /// Anything else.
    Unknown,
}

/// The fields every payment record type shares, resolved once.
struct Core<'a>(&'a PaymentRec);

impl Core<'_> {
    fn id(&self) -> EncodedId {
        EncodedId(ids::encode("PaymentRecord", self.0.id))
    }

    fn invoice(&self, ctx: &Context<'_>) -> Result<Option<Invoice>> {
        let id = self.0.invoice_id;
        with_account(ctx, |acc| acc.invoices.get(&id).cloned().map(Invoice))
    }
}

/// Generates one concrete `PaymentRecordInterface` type: the shared fields plus `$extra`.
macro_rules! payment_record_type {
    ($name:ident, $doc:literal, $payment_type:expr, { $($extra:tt)* }) => {
        #[doc = $doc]
        #[derive(Clone)]
        pub struct $name(pub(super) PaymentRec);

        #[doc = $doc]
        #[Object]
        impl $name {
            /// The payment record's id.
            async fn id(&self) -> EncodedId {
                Core(&self.0).id()
            }

            /// Dollars paid.
            async fn amount(&self) -> f64 {
                self.0.amount
            }

            /// When it was received.
            async fn entry_date(&self) -> Iso8601DateTime {
                dt(self.0.entry_date)
            }

            /// What it does to the balance (always `PAYMENT` here).
            async fn adjustment_type(&self) -> IncomeAdjustmentType {
                IncomeAdjustmentType::Payment
            }

            /// Free-text details.
            async fn details(&self) -> Option<String> {
                self.0.details.clone()
            }

            /// How it was paid.
            async fn payment_type(&self) -> Option<PaymentType> {
                Some($payment_type)
            }

            /// When a receipt was sent (the sandbox sends none).
            async fn sent_at(&self) -> Option<Iso8601DateTime> {
                None
            }

            /// The client who paid.
            async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
                find_client(ctx, self.0.client_id)
            }

            /// The invoice it pays.
            async fn invoice(&self, ctx: &Context<'_>) -> Result<Option<Invoice>> {
                Core(&self.0).invoice(ctx)
            }

            /// The quote it is a deposit on (sandbox payments are never deposits).
            async fn quote(&self) -> Option<Quote> {
                None
            }

            $($extra)*
        }
    };
}

payment_record_type!(CashPaymentRecord, "A cash payment.", PaymentType::Cash, {});
payment_record_type!(CheckPaymentRecord, "A cheque payment.", PaymentType::Cheque, {
    /// The cheque's number.
    async fn check_number(&self) -> Option<String> {
        Some(format!("{}", 1000 + self.0.id))
    }
});
payment_record_type!(OtherPaymentRecord, "A payment recorded by hand some other way.", PaymentType::Other, {
});
payment_record_type!(
    JobberPaymentsCreditCardPaymentRecord,
    "A card payment through Jobber Payments.",
    PaymentType::JobberPayments,
    {
        /// The card's billing address.
        async fn billing_address(&self) -> BillingAddress {
            BillingAddress {
                address1: Some("1 Main St".to_owned()),
                address2: None,
                city: Some("Calgary".to_owned()),
                country: Some("CA".to_owned()),
                state: Some("AB".to_owned()),
                zip: Some("T2P 1J9".to_owned()),
            }
        }

        /// The card's brand.
        async fn brand(&self) -> &str {
            "visa"
        }

        /// The card's expiry, MM/YY.
        async fn expiry(&self) -> &str {
            "12/30"
        }

        /// The card's last four digits.
        async fn last_digits(&self) -> &str {
            "4242"
        }

        /// The cardholder (the client's name).
        async fn name_on_card(&self, ctx: &Context<'_>) -> Result<String> {
            let id = self.0.client_id;
            with_account(ctx, |acc| {
                acc.clients.get(&id).map(|c| format!("{} {}", c.first_name, c.last_name)).unwrap_or_default()
            })
        }

        /// Jobber Payments' processing fee, in dollars.
        async fn fee_amount(&self) -> Option<f64> {
            Some(store::card_fee_cents(store::cents(self.0.amount)) as f64 / 100.0)
        }

        /// The tip included (none in the sandbox).
        async fn tip_amount(&self) -> Option<f64> {
            None
        }

        /// When it was refunded.
        async fn refunded_at(&self) -> Option<Iso8601DateTime> {
            None
        }

        /// The processor's transaction id.
        async fn transaction_id(&self) -> String {
            format!("sandbox_txn_{}", self.0.id)
        }

        /// Where the transaction stands.
        async fn transaction_status(&self) -> JobberPaymentTransactionStatus {
            JobberPaymentTransactionStatus::Succeeded
        }
    }
);

/// A card's billing address.
#[derive(SimpleObject)]
pub struct BillingAddress {
    /// First line.
    address1: Option<String>,
    /// Second line.
    address2: Option<String>,
    /// City.
    city: Option<String>,
    /// Country.
    country: Option<String>,
    /// Province or state.
    state: Option<String>,
    /// Postal code.
    zip: Option<String>,
}

/// A payment record, whatever its kind.
#[derive(Interface, Clone)]
#[graphql(
    field(name = "id", ty = "EncodedId", desc = "The payment record's id."),
    field(name = "amount", ty = "f64", desc = "Dollars paid."),
    field(name = "entry_date", ty = "Iso8601DateTime", desc = "When it was received."),
    field(name = "adjustment_type", ty = "IncomeAdjustmentType", desc = "What it does to the balance."),
    field(name = "details", ty = "Option<String>", desc = "Free-text details."),
    field(name = "payment_type", ty = "Option<PaymentType>", desc = "How it was paid."),
    field(name = "sent_at", ty = "Option<Iso8601DateTime>", desc = "When a receipt was sent."),
    field(name = "client", ty = "Option<Client>", desc = "The client who paid."),
    field(name = "invoice", ty = "Option<Invoice>", desc = "The invoice it pays."),
    field(name = "quote", ty = "Option<Quote>", desc = "The quote it is a deposit on.")
)]
pub enum PaymentRecordInterface {
    /// Cash.
    Cash(CashPaymentRecord),
    /// Cheque.
    Check(CheckPaymentRecord),
    /// Anything else by hand.
    Other(OtherPaymentRecord),
    /// Jobber Payments card.
    Card(JobberPaymentsCreditCardPaymentRecord),
}

impl PaymentRecordInterface {
    /// The concrete type for the payment's method.
    pub(super) fn of(p: PaymentRec) -> Self {
        match p.method {
            PaymentMethod::Cash => Self::Cash(CashPaymentRecord(p)),
            PaymentMethod::Check => Self::Check(CheckPaymentRecord(p)),
            PaymentMethod::Other => Self::Other(OtherPaymentRecord(p)),
            PaymentMethod::JobberPaymentsCard => Self::Card(JobberPaymentsCreditCardPaymentRecord(p)),
        }
    }
}

/// A payment as an invoice lists it.
#[derive(Clone)]
pub struct PaymentRecord(pub(super) PaymentRec);

/// A payment as an invoice lists it.
#[Object]
impl PaymentRecord {
    /// The payment record's id (the same as `paymentRecord(id:)` takes).
    async fn id(&self) -> EncodedId {
        Core(&self.0).id()
    }

    /// Dollars paid.
    async fn amount(&self) -> f64 {
        self.0.amount
    }

    /// When it was received.
    async fn entry_date(&self) -> Iso8601DateTime {
        dt(self.0.entry_date)
    }

    /// What it does to the balance (always `PAYMENT` here).
    async fn adjustment_type(&self) -> IncomeAdjustmentType {
        IncomeAdjustmentType::Payment
    }

    /// For Jobber Payments payments, where the transaction stands.
    async fn jobber_payment_transaction_status(&self) -> Option<JobberPaymentTransactionStatus> {
        (self.0.method == PaymentMethod::JobberPaymentsCard)
            .then_some(JobberPaymentTransactionStatus::Succeeded)
    }

    /// The tip included (none in the sandbox).
    async fn tip_amount(&self) -> Option<f64> {
        None
    }
}

/// One card payment inside a payout.
#[derive(Clone)]
pub struct PaymentBalanceTransaction(PaymentRec);

impl PaymentBalanceTransaction {
    fn gross(&self) -> i64 {
        store::cents(self.0.amount)
    }

    fn fee(&self) -> i64 {
        store::card_fee_cents(self.gross())
    }
}

fn int(cents: i64) -> i32 {
    i32::try_from(cents).unwrap_or(i32::MAX)
}

/// One card payment inside a payout.
#[Object]
impl PaymentBalanceTransaction {
    /// The transaction's id.
    async fn id(&self) -> EncodedId {
        EncodedId(ids::encode("BalanceTransaction", self.0.id))
    }

    /// When the payment was received.
    async fn created(&self) -> Iso8601DateTime {
        dt(self.0.entry_date)
    }

    /// The currency.
    async fn currency(&self) -> &str {
        CURRENCY
    }

    /// The payment in cents.
    async fn gross_amount(&self) -> i32 {
        int(self.gross())
    }

    /// The processing fee in cents.
    async fn fee_amount(&self) -> i32 {
        int(self.fee())
    }

    /// What reaches the bank, in cents.
    async fn net_amount(&self) -> i32 {
        int(self.gross() - self.fee())
    }

    /// The tip in cents (none in the sandbox).
    async fn tip_amount(&self) -> Option<i32> {
        None
    }

    /// Always `PAYMENT`.
    #[graphql(name = "type")]
    async fn kind(&self) -> Option<BalanceTransaction> {
        Some(BalanceTransaction::Payment)
    }

    /// The payment record: its `invoice` is how a payout reaches invoices.
    async fn payment_record(&self) -> Option<PaymentRecordInterface> {
        Some(PaymentRecordInterface::of(self.0.clone()))
    }
}

/// A movement of money in a payout.
#[derive(Interface, Clone)]
#[expect(clippy::duplicated_attributes, reason = "async-graphql's field(...) lists repeat `ty = \"i32\"`")]
#[graphql(
    field(name = "id", ty = "EncodedId", desc = "The transaction's id."),
    field(name = "created", ty = "Iso8601DateTime", desc = "When it happened."),
    field(name = "currency", ty = "&str", desc = "The currency."),
    field(name = "gross_amount", ty = "i32", desc = "Gross, in cents."),
    field(name = "fee_amount", ty = "i32", desc = "Fee, in cents."),
    field(name = "net_amount", ty = "i32", desc = "Net, in cents."),
    field(name = "type", method = "kind", ty = "Option<BalanceTransaction>", desc = "Its kind.")
)]
pub enum BalanceTransactionInterface {
    /// A client's payment.
    Payment(PaymentBalanceTransaction),
}

/// A Jobber Payments payout to the service provider's bank.
#[derive(Clone)]
pub struct PayoutRecord(pub(super) PayoutRec);

/// A Jobber Payments payout to the service provider's bank.
#[Object]
impl PayoutRecord {
    /// The payout's id.
    async fn id(&self) -> EncodedId {
        EncodedId(ids::encode("PayoutRecord", self.0.id))
    }

    /// The processor's payout identifier.
    async fn identifier(&self) -> String {
        format!("po_sandbox_{}", self.0.id)
    }

    /// When the payout was created.
    async fn created(&self) -> Iso8601DateTime {
        dt(self.0.created)
    }

    /// When it is expected in the bank.
    async fn arrival_date(&self) -> Iso8601DateTime {
        dt(self.0.arrival_date)
    }

    /// The currency.
    async fn currency(&self) -> &str {
        CURRENCY
    }

    /// Everything paid in, in cents.
    async fn gross_amount(&self) -> i32 {
        int(self.0.gross_cents)
    }

    /// The fees, in cents.
    async fn fee_amount(&self) -> i32 {
        int(self.0.fee_cents)
    }

    /// What reaches the bank, in cents.
    async fn net_amount(&self) -> i32 {
        int(self.0.gross_cents - self.0.fee_cents)
    }

    /// Standard or instant (sandbox payouts are standard).
    async fn payout_method(&self) -> PayoutMethod {
        PayoutMethod::Standard
    }

    /// Where the payout is.
    async fn status(&self) -> GqlPayoutStatus {
        self.0.status.into()
    }

    /// Bank account or card (sandbox payouts go to a bank account).
    #[graphql(name = "type")]
    async fn kind(&self) -> PayoutType {
        PayoutType::BankAccount
    }

    /// The payments it carries, one balance transaction each.
    async fn balance_transactions(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<BalanceTransactionInterfaceConnection> {
        let args = page_args(after, before, first, last);
        let g = gctx(ctx);
        let st = lock(&g.inner.state);
        let acc = st.account(g.account).ok_or("Account not found")?;
        let payments: Vec<&PaymentRec> =
            self.0.payment_ids.iter().filter_map(|p| acc.payments.get(p)).collect();
        let page: Page<PaymentRec> = paginate(&payments, &args);
        Ok(BalanceTransactionInterfaceConnection::from_page(page, |p| {
            BalanceTransactionInterface::Payment(PaymentBalanceTransaction(p))
        }))
    }
}
