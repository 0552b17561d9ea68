//! Gives parse and validation errors an Apollo-style `extensions.code`, so clients can tell a
//! malformed document (`GRAPHQL_PARSE_FAILED`) from one that does not fit the schema or our
//! depth/complexity limits (`GRAPHQL_VALIDATION_FAILED`).

use std::sync::Arc;

use async_graphql::{
    ServerError, ServerResult, ValidationResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation},
    parser::types::ExecutableDocument,
};

pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension)
    }
}

struct ErrorCodesExtension;

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
        next.run(ctx, query, variables).await.map_err(|e| with_code(e, "GRAPHQL_PARSE_FAILED"))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errs| {
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
                .collect()
        })
    }
}
