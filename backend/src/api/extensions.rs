//! Gives parse and validation errors an Apollo-style `extensions.code`, so clients can tell a
//! malformed document (`GRAPHQL_PARSE_FAILED`) from one that does not fit the schema or our
//! depth/complexity limits (`GRAPHQL_VALIDATION_FAILED`), and adds the one limit async-graphql
//! does not have: at most [`MAX_ROOT_FIELDS`](super::MAX_ROOT_FIELDS) root fields per operation
//! (aliases count), checked after the built-in validation.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use async_graphql::{
    ServerError, ServerResult, ValidationResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation},
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};

pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension::default())
    }
}

/// One per request: remembers the parsed document's largest root selection for `validation`.
#[derive(Default)]
struct ErrorCodesExtension {
    root_fields: AtomicUsize,
}

/// Fields an operation's root selects: every field (an alias is one more), through inline
/// fragments and fragment spreads (to a bounded depth, so a cyclic fragment, refused by
/// validation anyway, cannot loop).
fn root_fields(doc: &ExecutableDocument) -> usize {
    fn count(doc: &ExecutableDocument, set: &SelectionSet, depth: usize) -> usize {
        if depth > super::MAX_DEPTH {
            return 0;
        }
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(_) => 1,
                Selection::InlineFragment(f) => count(doc, &f.node.selection_set.node, depth + 1),
                Selection::FragmentSpread(s) => doc
                    .fragments
                    .get(&s.node.fragment_name.node)
                    .map_or(0, |f| count(doc, &f.node.selection_set.node, depth + 1)),
            })
            .fold(0, usize::saturating_add)
    }
    doc.operations.iter().map(|(_, op)| count(doc, &op.node.selection_set.node, 0)).max().unwrap_or(0)
}

fn with_code(mut err: ServerError, code: &'static str) -> ServerError {
    let ext = err.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
    err
}

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await.map_err(|e| with_code(e, "GRAPHQL_PARSE_FAILED"))?;
        self.root_fields.store(root_fields(&doc), Ordering::Relaxed);
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errs| {
            errs.into_iter()
                .map(|e| {
                    let e = match e.message.as_str() {
                        "Query is nested too deep." => ServerError {
                            message: format!("Query is nested too deep: the limit is {} levels.", super::MAX_DEPTH),
                            ..e
                        },
                        "Query is too complex." => ServerError {
                            message: format!(
                                "Query is too complex: the limit is {} (each field counts 1; lists count per item requested).",
                                super::MAX_COMPLEXITY
                            ),
                            ..e
                        },
                        _ => e,
                    };
                    with_code(e, "GRAPHQL_VALIDATION_FAILED")
                })
                .collect::<Vec<_>>()
        })?;
        let fields = self.root_fields.load(Ordering::Relaxed);
        if fields > super::MAX_ROOT_FIELDS {
            let message = format!(
                "Query is too complex: {fields} root fields, the limit is {} (each alias counts).",
                super::MAX_ROOT_FIELDS
            );
            return Err(vec![with_code(ServerError::new(message, None), "GRAPHQL_VALIDATION_FAILED")]);
        }
        Ok(result)
    }
}
