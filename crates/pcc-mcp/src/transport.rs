//! The stdio transport: one JSON-RPC message per line, and an answer for every request.
//!
//! rmcp's own stdio transport drops a line over 16 MiB without a word, ignores a line that is not
//! JSON, and hands a request whose `params` do not fit its method on as an unknown method
//! (`-32601`). A client waiting on such a request waits forever, or is told the wrong thing. This
//! transport reads each line itself, with a bound, and answers what it cannot deliver as
//! JSON-RPC 2.0 says, keeping the request's `id` whenever it can be read:
//!
//! | line | answer |
//! |---|---|
//! | not JSON | `-32700` (parse error), `id` null |
//! | over [`MAX_LINE_BYTES`] | `-32600` (invalid request), its `id` read while the line streams past |
//! | a batch (array), or not an object, or a bad `jsonrpc`/`id`/`method` | `-32600` |
//! | a known MCP method whose `params` do not fit it (e.g. `arguments` an array) | `-32602` (invalid params) |
//!
//! A notification or a response that cannot be read is logged and dropped: JSON-RPC forbids
//! answering them. Everything else goes to rmcp. The server stays up after every bad line.
//!
//! Stdin is read on a thread of its own; writes go through one writer thread in the order
//! [`Transport::send`] was called, so progress notifications keep their order before the answer.

use rmcp::RoleServer;
use rmcp::model::{
    CallToolRequest, ClientRequest, CompleteRequest, ConstString, GetPromptRequest,
    InitializeRequest, JsonRpcMessage, ListPromptsRequest, ListResourceTemplatesRequest,
    ListResourcesRequest, ListToolsRequest, PingRequest, ReadResourceRequest,
};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde_json::{Value, json};
use std::fmt;
use std::future::Future;
use std::io::{BufRead, Read, Write};
use std::sync::mpsc as std_mpsc;
use tokio::sync::{mpsc, oneshot};

/// Longest request line (16 MiB, as rmcp's own transport and its HTTP client allow). A longer
/// line is refused with `-32600` and its `id`; the server reads on.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// JSON-RPC 2.0: invalid JSON was received.
pub const PARSE_ERROR: i64 = -32700;
/// JSON-RPC 2.0: the JSON sent is not a valid request object.
pub const INVALID_REQUEST: i64 = -32600;
/// JSON-RPC 2.0: invalid method parameters.
pub const INVALID_PARAMS: i64 = -32602;

/// Messages read but not yet taken by the service; the reader waits when this many are queued.
const QUEUE: usize = 16;

/// What to do with one line.
#[derive(Debug)]
pub enum Verdict {
    /// A message for the service.
    Deliver(Box<RxJsonRpcMessage<RoleServer>>),
    /// Not deliverable: this error answer (a whole JSON-RPC error object) goes back instead.
    Answer(Value),
    /// Nothing to deliver and nothing to answer (a blank line, a broken notification).
    Drop,
}

/// A JSON-RPC error answer. `id` is the request's, or null when it could not be read.
pub fn error_answer(id: Option<Value>, code: i64, message: impl Into<String>) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": id.unwrap_or(Value::Null),
        "error": {"code": code, "message": message.into()},
    })
}

/// An `id` JSON-RPC allows (a string or an integer), to echo in an answer.
fn usable_id(id: &Value) -> Option<Value> {
    (id.is_string() || id.is_i64()).then(|| id.clone())
}

/// What a message shows of a JSON value: its kind.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Decides what one complete line (without its newline) is.
pub fn classify(line: &[u8]) -> Verdict {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Verdict::Drop;
    }
    if let Ok(message) = serde_json::from_slice::<RxJsonRpcMessage<RoleServer>>(line) {
        return match misread_request(&message) {
            Some(answer) => Verdict::Answer(answer),
            None => Verdict::Deliver(Box::new(message)),
        };
    }
    let value = match serde_json::from_slice::<Value>(line) {
        Ok(value) => value,
        Err(err) => {
            return Verdict::Answer(error_answer(
                None,
                PARSE_ERROR,
                format!(
                    "parse error: the line is not JSON ({err}); send one JSON-RPC 2.0 message, \
                     as JSON, per line"
                ),
            ));
        }
    };
    diagnose(&value)
}

/// Why a JSON line that is not a message rmcp reads is not one, as the answer to send (or
/// nothing, for notifications and responses, which are never answered).
fn diagnose(value: &Value) -> Verdict {
    let invalid = |id: Option<Value>, message: String| {
        Verdict::Answer(error_answer(id, INVALID_REQUEST, message))
    };
    let object = match value {
        Value::Array(_) => {
            return invalid(
                None,
                "invalid request: batches (JSON arrays) are not supported; send each message \
                 on its own line"
                    .to_owned(),
            );
        }
        Value::Object(object) => object,
        other => {
            return invalid(
                None,
                format!(
                    "invalid request: a JSON-RPC message is an object; got {}",
                    kind(other)
                ),
            );
        }
    };
    let raw_id = object.get("id");
    let id = raw_id.and_then(usable_id);
    if let Some(raw) = raw_id
        && id.is_none()
    {
        return invalid(
            None,
            format!(
                "invalid request: `id` must be a string or an integer; got {}",
                kind(raw)
            ),
        );
    }
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return invalid(id, "invalid request: `jsonrpc` must be \"2.0\"".to_owned());
    }
    match object.get("method") {
        Some(Value::String(method)) => match id {
            Some(id) => {
                let params = object.get("params").cloned();
                match params_problem(method, params) {
                    Some(problem) => {
                        Verdict::Answer(error_answer(Some(id), INVALID_PARAMS, problem))
                    }
                    None => invalid(
                        Some(id),
                        format!("invalid request: `{method}` is not a request pcc-mcp can read"),
                    ),
                }
            }
            None => {
                tracing::debug!(%method, "dropped a notification that does not fit its method");
                Verdict::Drop
            }
        },
        Some(other) => invalid(
            id,
            format!(
                "invalid request: `method` must be a string; got {}",
                kind(other)
            ),
        ),
        None if object.contains_key("result") || object.contains_key("error") => {
            tracing::debug!("dropped a response that cannot be read");
            Verdict::Drop
        }
        None => invalid(
            id,
            "invalid request: there is no `method` (nor a `result` or `error` of a response)"
                .to_owned(),
        ),
    }
}

/// A request rmcp read, but as an unknown method because its `params` do not fit the MCP method
/// it names: answered `-32602` here, since rmcp would say "method not found".
fn misread_request(message: &RxJsonRpcMessage<RoleServer>) -> Option<Value> {
    let JsonRpcMessage::Request(request) = message else {
        return None;
    };
    let ClientRequest::CustomRequest(custom) = &request.request else {
        return None;
    };
    let problem = params_problem(&custom.method, custom.params.clone())?;
    let id = serde_json::to_value(&request.id).ok();
    Some(error_answer(id, INVALID_PARAMS, problem))
}

/// Why `params` do not fit the MCP method `method`, or `None` when they do or the method is not
/// one of MCP's.
fn params_problem(method: &str, params: Option<Value>) -> Option<String> {
    if method == <rmcp::model::CallToolRequestMethod as ConstString>::VALUE
        && let Some(problem) = tools_call_problem(params.as_ref())
    {
        return Some(problem);
    }
    let request = match &params {
        Some(params) => json!({"method": method, "params": params}),
        None => json!({"method": method}),
    };
    let error = schema_error(method, request)?;
    Some(format!(
        "invalid params: the params of `{method}` do not fit the MCP schema: {error}"
    ))
}

/// The serde error of reading `request` as the MCP request type of `method`; `None` when it
/// reads, or `method` is not an MCP client request.
fn schema_error(method: &str, request: Value) -> Option<String> {
    fn check<T: DeserializeOwned>(request: Value) -> Option<String> {
        serde_json::from_value::<T>(request)
            .err()
            .map(|err| err.to_string())
    }
    macro_rules! by_method {
        ($($method:ty => $request:ty),* $(,)?) => {
            $(if method == <$method as ConstString>::VALUE {
                return check::<$request>(request);
            })*
        };
    }
    use rmcp::model as m;
    by_method!(
        m::InitializeResultMethod => InitializeRequest,
        m::PingRequestMethod => PingRequest,
        m::ListToolsRequestMethod => ListToolsRequest,
        m::CallToolRequestMethod => CallToolRequest,
        m::CompleteRequestMethod => CompleteRequest,
        m::GetPromptRequestMethod => GetPromptRequest,
        m::ListPromptsRequestMethod => ListPromptsRequest,
        m::ListResourcesRequestMethod => ListResourcesRequest,
        m::ListResourceTemplatesRequestMethod => ListResourceTemplatesRequest,
        m::ReadResourceRequestMethod => ReadResourceRequest,
    );
    None
}

/// The usual ways a `tools/call` goes wrong, in words.
fn tools_call_problem(params: Option<&Value>) -> Option<String> {
    let Some(Value::Object(params)) = params else {
        return Some(format!(
            "invalid params: `tools/call` needs `params`, an object with the tool's `name` and \
             its `arguments` (an object); got {}",
            params.map_or("none", kind)
        ));
    };
    match params.get("name") {
        Some(Value::String(_)) => {}
        other => {
            return Some(format!(
                "invalid params: `params.name` must be the tool's name, a string; got {}",
                other.map_or("none", kind)
            ));
        }
    }
    match params.get("arguments") {
        None | Some(Value::Null | Value::Object(_)) => None,
        Some(other) => Some(format!(
            "invalid params: `params.arguments` must be an object of the tool's parameters by \
             name (e.g. {{\"list_id\": 1}}); got {}",
            kind(other)
        )),
    }
}

/// Reads the top-level `id` of a JSON object as it streams past, keeping nothing else: every
/// other member is skipped without being stored.
struct IdOf;

impl<'de> Visitor<'de> for IdOf {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON-RPC message")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Value>, A::Error> {
        let mut id = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "id" {
                id = usable_id(&map.next_value::<Value>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(id)
    }
}

/// The answer to a line over [`MAX_LINE_BYTES`]; `id` is read from `line`, which yields the
/// whole line (what was buffered, then the rest of it), and is read to its end.
fn oversized_answer(line: &mut impl Read) -> Value {
    let mut counted = Counted {
        inner: line,
        bytes: 0,
    };
    let id = {
        // serde_json reads a reader byte by byte: buffered, that is cheap.
        let buffered = std::io::BufReader::new(&mut counted);
        let mut deserializer = serde_json::Deserializer::from_reader(buffered);
        serde::Deserializer::deserialize_map(&mut deserializer, IdOf)
            .ok()
            .flatten()
    };
    let _ = std::io::copy(&mut counted, &mut std::io::sink());
    error_answer(
        id,
        INVALID_REQUEST,
        format!(
            "invalid request: the message is {} bytes, over the {MAX_LINE_BYTES}-byte (16 MiB) \
             limit of one line; send less at once (e.g. split the task list, or put large \
             material in files and name them in the prompts)",
            counted.bytes
        ),
    )
}

/// A reader that counts what passes.
struct Counted<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

/// The rest of the current line of `input`, up to (and consuming, not yielding) its newline.
struct RestOfLine<'a, B> {
    input: &'a mut B,
    done: bool,
}

impl<B: BufRead> Read for RestOfLine<'_, B> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        let available = self.input.fill_buf()?;
        if available.is_empty() {
            self.done = true;
            return Ok(0);
        }
        let (take, newline) = match available.iter().position(|b| *b == b'\n') {
            Some(at) => (at, true),
            None => (available.len(), false),
        };
        let n = take.min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        let consumed = if newline && n == take { n + 1 } else { n };
        self.input.consume(consumed);
        if newline && n == take {
            self.done = true;
        }
        Ok(n)
    }
}

/// One step of reading stdin.
enum Line {
    /// A whole line (or the last bytes before end of input) is in the buffer.
    Complete,
    /// The line was over the bound; this is its answer (the line has been read past).
    Oversized(Value),
    /// End of input.
    End,
}

/// Reads the next line of `input` into `buffer` (cleared first), never holding more than
/// [`MAX_LINE_BYTES`] of it.
fn next_line(input: &mut impl BufRead, buffer: &mut Vec<u8>) -> std::io::Result<Line> {
    buffer.clear();
    loop {
        let available = input.fill_buf()?;
        if available.is_empty() {
            return Ok(if buffer.is_empty() {
                Line::End
            } else {
                Line::Complete
            });
        }
        let newline = available.iter().position(|b| *b == b'\n');
        let take = newline.unwrap_or(available.len());
        if buffer.len() + take > MAX_LINE_BYTES {
            let mut rest = RestOfLine { input, done: false };
            let mut line = std::io::Cursor::new(std::mem::take(buffer)).chain(&mut rest);
            return Ok(Line::Oversized(oversized_answer(&mut line)));
        }
        buffer.extend_from_slice(&available[..take]);
        match newline {
            Some(_) => {
                input.consume(take + 1);
                return Ok(Line::Complete);
            }
            None => input.consume(take),
        }
    }
}

/// A line to write and who waits for it to be written.
type Outgoing = (Vec<u8>, Option<oneshot::Sender<std::io::Result<()>>>);

/// rmcp's server side of stdin and stdout, answering every request (see the module docs).
pub struct StdioTransport {
    incoming: mpsc::Receiver<RxJsonRpcMessage<RoleServer>>,
    outgoing: Option<std_mpsc::Sender<Outgoing>>,
}

/// The transport on this process's stdin and stdout.
pub fn stdio() -> StdioTransport {
    let (outgoing, lines) = std_mpsc::channel::<Outgoing>();
    std::thread::spawn(move || write_lines(&mut std::io::stdout().lock(), &lines));
    let (deliver, incoming) = mpsc::channel(QUEUE);
    let answers = outgoing.clone();
    std::thread::spawn(move || read_lines(&mut std::io::stdin().lock(), &deliver, &answers));
    StdioTransport {
        incoming,
        outgoing: Some(outgoing),
    }
}

/// The writer thread: each line, in order, then a flush.
fn write_lines(out: &mut impl Write, lines: &std_mpsc::Receiver<Outgoing>) {
    for (mut line, done) in lines {
        line.push(b'\n');
        let written = out.write_all(&line).and_then(|()| out.flush());
        if let Err(err) = &written {
            tracing::error!("pcc-mcp: cannot write to stdout: {err}");
        }
        if let Some(done) = done {
            let _ = done.send(written);
        }
    }
}

/// The reader thread: every line is delivered, answered or dropped, until end of input or the
/// service is gone.
pub fn read_lines(
    input: &mut impl BufRead,
    deliver: &mpsc::Sender<RxJsonRpcMessage<RoleServer>>,
    answers: &std_mpsc::Sender<Outgoing>,
) {
    let mut buffer = Vec::new();
    loop {
        let verdict = match next_line(input, &mut buffer) {
            Ok(Line::Complete) => classify(&buffer),
            Ok(Line::Oversized(answer)) => {
                tracing::warn!("pcc-mcp: refused a request line over {MAX_LINE_BYTES} bytes");
                Verdict::Answer(answer)
            }
            Ok(Line::End) => return,
            Err(err) => {
                tracing::error!("pcc-mcp: cannot read stdin: {err}");
                return;
            }
        };
        match verdict {
            Verdict::Deliver(message) => {
                if deliver.blocking_send(*message).is_err() {
                    return;
                }
            }
            Verdict::Answer(answer) => match serde_json::to_vec(&answer) {
                Ok(line) => {
                    if answers.send((line, None)).is_err() {
                        return;
                    }
                }
                Err(err) => tracing::error!("pcc-mcp: cannot encode an error answer: {err}"),
            },
            Verdict::Drop => {}
        }
    }
}

impl Transport<RoleServer> for StdioTransport {
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        // Queued now, not when the future is polled: the order of calls is the order on stdout.
        let queued = match (&self.outgoing, serde_json::to_vec(&item)) {
            (Some(outgoing), Ok(line)) => {
                let (done, written) = oneshot::channel();
                outgoing
                    .send((line, Some(done)))
                    .map(|()| written)
                    .map_err(|_| std::io::Error::other("the stdout writer has stopped"))
            }
            (None, _) => Err(std::io::Error::new(
                std::io::ErrorKind::NotConnected,
                "the transport is closed",
            )),
            (_, Err(err)) => Err(std::io::Error::other(err)),
        };
        async move {
            queued?
                .await
                .map_err(|_| std::io::Error::other("the stdout writer has stopped"))?
        }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        self.incoming.recv().await
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.outgoing = None;
        self.incoming.close();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(line: &str) -> Value {
        match classify(line.as_bytes()) {
            Verdict::Answer(answer) => answer,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn garbage_is_a_parse_error_with_a_null_id() {
        for line in ["hello", "{\"jsonrpc\":", "\u{1}\u{2}", "{'id': 1}"] {
            let answer = answer(line);
            assert_eq!(answer["error"]["code"], PARSE_ERROR, "{line}: {answer}");
            assert_eq!(answer["id"], Value::Null);
        }
        assert!(matches!(classify(b"   \r"), Verdict::Drop));
    }

    #[test]
    fn shapes_that_are_not_requests_are_invalid_requests() {
        for (line, id) in [
            ("[]", Value::Null),
            (
                "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]",
                Value::Null,
            ),
            ("42", Value::Null),
            (
                "{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}",
                Value::Null,
            ),
            (
                "{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"ping\"}",
                json!(7),
            ),
            (
                "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":5}",
                json!("x"),
            ),
            ("{\"jsonrpc\":\"2.0\",\"id\":8}", json!(8)),
        ] {
            let answer = answer(line);
            assert_eq!(answer["error"]["code"], INVALID_REQUEST, "{line}: {answer}");
            assert_eq!(answer["id"], id, "{line}: {answer}");
        }
    }

    #[test]
    fn tools_call_with_bad_params_is_invalid_params_with_its_id() {
        for (params, says) in [
            (
                json!({"name": "task_list_status", "arguments": [1]}),
                "got an array",
            ),
            (
                json!({"name": "task_list_status", "arguments": "x"}),
                "got a string",
            ),
            (json!({"arguments": {}}), "`params.name`"),
            (json!([1]), "needs `params`"),
        ] {
            let line = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": params})
                .to_string();
            let answer = answer(&line);
            assert_eq!(answer["error"]["code"], INVALID_PARAMS, "{line}: {answer}");
            assert_eq!(answer["id"], 3);
            let message = answer["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains(says), "{line}: {message}");
        }
        let line = json!({"jsonrpc": "2.0", "id": 4, "method": "initialize", "params": 5});
        let answer = answer(&line.to_string());
        assert_eq!(answer["error"]["code"], INVALID_PARAMS, "{answer}");
    }

    #[test]
    fn good_messages_are_delivered_and_broken_notifications_dropped() {
        for line in [
            r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"x","arguments":{}}}"#,
            r#"{"jsonrpc":"2.0","id":2,"method":"no/such/method"}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        ] {
            assert!(
                matches!(classify(line.as_bytes()), Verdict::Deliver(_)),
                "{line}"
            );
        }
        assert!(matches!(
            classify(br#"{"jsonrpc":"2.0","method":"notifications/progress","params":7}"#),
            Verdict::Drop | Verdict::Deliver(_)
        ));
    }

    #[test]
    fn an_oversized_line_is_answered_with_its_id_and_the_next_line_is_read() {
        let filler = "x".repeat(MAX_LINE_BYTES);
        let input = format!(
            "{{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{{\"name\":\"{filler}\"}},\"id\":\"big\"}}\n{}\n",
            r#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#
        );
        let mut reader = std::io::BufReader::new(input.as_bytes());
        let mut buffer = Vec::new();
        let Ok(Line::Oversized(answer)) = next_line(&mut reader, &mut buffer) else {
            panic!("not refused as oversized");
        };
        assert_eq!(answer["id"], "big", "{answer}");
        assert_eq!(answer["error"]["code"], INVALID_REQUEST);
        assert!(matches!(
            next_line(&mut reader, &mut buffer),
            Ok(Line::Complete)
        ));
        assert!(matches!(classify(&buffer), Verdict::Deliver(_)));
        assert!(matches!(next_line(&mut reader, &mut buffer), Ok(Line::End)));
    }
}
