//! `baton mcp`: a Model Context Protocol server on stdin/stdout (rmcp). Every tool call
//! runs the command it names through the CLI's own code path and answers with the JSON
//! envelope `--json` prints; nothing is kept between calls, so nothing goes stale.

pub mod prompts;
pub mod tools;

use crate::cli::Global;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, GetPromptRequestParams,
    GetPromptResponse, Implementation, InitializeResult, ListPromptsResult, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use std::sync::Arc;

/// Serve until the client closes stdin; returns the exit code.
pub fn serve(global: Global) -> i32 {
    crate::lifetime::set_serving();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("baton mcp: cannot start: {e}");
            return crate::error::exit::FAILURE;
        }
    };
    let server = Server {
        global,
        tools: Arc::new(listed_tools()),
    };
    let outcome = runtime.block_on(async move {
        let running = server.serve(rmcp::transport::stdio()).await?;
        running.waiting().await?;
        anyhow::Ok(())
    });
    match outcome {
        Ok(()) => crate::error::exit::OK,
        Err(e) => {
            eprintln!("baton mcp: {e:#}");
            crate::error::exit::FAILURE
        }
    }
}

/// The server: the global options it was started with, and its tool list.
struct Server {
    global: Global,
    tools: Arc<Vec<Tool>>,
}

fn listed_tools() -> Vec<Tool> {
    tools::TOOLS
        .iter()
        .map(|t| {
            let read_only = t.changes == tools::Changes::Never;
            Tool::new(t.name, t.about, tools::schema(t)).with_annotations(
                ToolAnnotations::new()
                    .read_only(read_only)
                    .destructive(false)
                    .idempotent(read_only)
                    .open_world(false),
            )
        })
        .collect()
}

const INSTRUCTIONS: &str = "baton coordinates several coding agents working from one TASKS.md. \
Start a session with the `start` tool (or the `lss` prompt), pick work with `next` (claim: true) \
or `claim`, finish it with `done`, and end the session with `ess` (or the `ess` prompt). \
Every result is baton's JSON envelope {version, command, ok, data | error{kind, message, hint}, warnings}; \
when a call is refused, do what the hint says. Pass `instance` unless the server was started with BATON_INSTANCE.";

impl ServerHandler for Server {
    fn get_info(&self) -> InitializeResult {
        InitializeResult::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_prompts()
                .build(),
        )
        .with_server_info(Implementation::new("baton", env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items((*self.tools).clone()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = request.arguments.unwrap_or_default();
        let (exit, envelope) = tools::call(&self.global, &request.name, &args);
        let text = String::from_utf8_lossy(&envelope).into_owned();
        let content = vec![ContentBlock::text(text)];
        Ok(if exit == crate::error::exit::OK {
            CallToolResult::success(content)
        } else {
            CallToolResult::error(content)
        }
        .into())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::with_all_items(prompts::list()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let args = request.arguments.unwrap_or_default();
        prompts::get(&self.global, &request.name, &args).map(Into::into)
    }
}
