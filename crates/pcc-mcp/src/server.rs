//! The MCP server: the tool router and the state the tools share.

use crate::tools::{self, Shared};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt, tool, tool_handler, tool_router};
use std::process::ExitCode;
use std::sync::Arc;

/// The pcc MCP server.
#[derive(Clone)]
pub struct PccServer {
    tool_router: ToolRouter<Self>,
    shared: Arc<Shared>,
}

impl Default for PccServer {
    fn default() -> Self {
        PccServer::new()
    }
}

#[tool_router]
impl PccServer {
    /// A server with no list running.
    pub fn new() -> PccServer {
        PccServer {
            tool_router: Self::tool_router(),
            shared: Arc::new(Shared::default()),
        }
    }

    /// `execute_task_list`.
    #[tool(
        name = "execute_task_list",
        description = "Run a list of tasks strictly one after another, each in a fresh headless \
Claude Code session (`claude -p`) with a full context window, all in `cwd`. Use it for a long \
multi-step workflow whose steps are each big enough for their own session and build on each \
other: every task's prompt carries the final messages of the tasks before it (see `context`). \
Children run unattended (risky tool calls are denied, not asked) and must confirm completion \
with a per-run nonce; a task whose final message lacks it is `unverified`, never `succeeded`. \
Returns, per task: status (succeeded, failed, timed_out, cancelled, rate_limited, unverified, \
skipped), the final message, the child's session id, duration, turns, cost, permission denials \
and the files it wrote (from pcc-hooks' own records of that session). Progress is reported as \
MCP progress notifications. With `wait: false` it returns the list id at once and a background \
worker, which outlives this server, runs the list: follow it with `task_list_status`. Not for a \
single quick step you can do yourself."
    )]
    async fn execute_task_list(
        &self,
        Parameters(params): Parameters<tools::execute_task_list::ExecuteTaskListParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(tools::execute_task_list::run(&self.shared, params, context).await)
    }

    /// `task_list_status`.
    #[tool(
        name = "task_list_status",
        description = "The state of one task list started by `execute_task_list` (for example \
with `wait: false`): the list's state (pending, running, succeeded, failed, cancelled), and each \
task's state, status, final message, session id, duration, turns, cost, permission denials and \
files written. Use it to follow a list running in the background or to read a finished one."
    )]
    async fn task_list_status(
        &self,
        Parameters(params): Parameters<tools::task_list_status::ListIdParams>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(tools::task_list_status::run(&params))
    }

    /// `cancel_task_list`.
    #[tool(
        name = "cancel_task_list",
        description = "Cancel a task list that is pending or running: its running task's \
Claude Code process is stopped and the tasks not yet run are marked `cancelled`. Works for lists \
run by this server and for background lists (`wait: false`). Returns the list's state."
    )]
    async fn cancel_task_list(
        &self,
        Parameters(params): Parameters<tools::task_list_status::ListIdParams>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(tools::cancel_task_list::run(&self.shared, &params))
    }

    /// `list_task_lists`.
    #[tool(
        name = "list_task_lists",
        description = "The most recent task lists, newest first, each with its id, state, \
working directory and task counts (no task details; use `task_list_status` for those). Use it \
to find a list id you lost, or to see what is running."
    )]
    async fn list_task_lists(
        &self,
        Parameters(params): Parameters<tools::list_task_lists::ListTaskListsParams>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(tools::list_task_lists::run(&params))
    }

    /// `pcc_status`.
    #[tool(
        name = "pcc_status",
        description = "What pcc-hooks knows about every Claude Code session on this machine \
(the data of `pcc-hooks status --json`): project, state (working, waiting for a permission or \
a human, stopped, rate limited, …), last event and tool, event counts, permission decisions \
and pending escalations, plus the task lists that are running. Use it to check on other \
sessions or on the children of a task list."
    )]
    async fn pcc_status(&self) -> Result<CallToolResult, ErrorData> {
        Ok(tools::pcc_status::run())
    }
}

#[tool_handler]
impl ServerHandler for PccServer {
    /// Routes the call to its tool; an unknown tool name is `-32602` (MCP: a protocol error)
    /// with the names there are, where rmcp only says "tool not found".
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if !self.tool_router.has_route(&request.name) {
            let mut names: Vec<String> = self
                .tool_router
                .list_all()
                .into_iter()
                .map(|tool| format!("`{}`", tool.name))
                .collect();
            names.sort();
            return Err(ErrorData::invalid_params(
                format!(
                    "there is no tool `{}`; pcc-mcp has {}",
                    request.name,
                    names.join(", ")
                ),
                None,
            ));
        }
        self.tool_router
            .call(ToolCallContext::new(self, request, context))
            .await
    }

    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("pcc", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "pcc-hooks: run long workflows as sequential task lists, each task in a fresh \
                 Claude Code session (execute_task_list), and see every session's state \
                 (pcc_status).",
            )
    }
}

/// Serves the tools on stdin/stdout until the client goes away; every request line gets an
/// answer (see [`crate::transport`]).
pub fn main() -> ExitCode {
    crate::worker::init_logging();
    let runtime = match crate::worker::current_thread_runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let served = runtime.block_on(async {
        let service = PccServer::new()
            .serve(crate::transport::stdio())
            .await
            .map_err(|err| err.to_string())?;
        service.waiting().await.map_err(|err| err.to_string())?;
        Ok::<(), String>(())
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("pcc-mcp: {err}");
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
