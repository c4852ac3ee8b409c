#!/usr/bin/python3 -S
"""A fake `claude -p` for pcc-mcp's tests: prints stream-json like Claude Code.

The prompt is read from stdin, as `claude -p` does when no prompt argument is given (a prompt
argument is an error here: the runner must not pass one). The task's own prompt decides the
behaviour: the last `MODE=<mode>` in the prompt (default
`success`) and the last `TAG=<tag>` (the result is `RESULT[<tag>]`). Every run appends
{"argv", "prompt", "list_id", "task_id", "pcc_mode", "cwd", "start", "end"} to FAKE_RECORD.
The session id is `fake-<PCC_TASK_ID>`.
"""
import json
import os
import re
import sys
import time

argv = sys.argv[1:]
if len(argv) > 1 and argv[0] == "-p" and not argv[1].startswith("--"):
    sys.stderr.write(f"the prompt was passed as an argument: {argv[1][:80]!r}\n")
    sys.exit(2)
prompt = sys.stdin.read()
modes = re.findall(r"MODE=(\w+)", prompt)
mode = modes[-1] if modes else "success"
tags = re.findall(r"TAG=(\w+)", prompt)
tag = tags[-1] if tags else "none"
match = re.search(r"TASK-COMPLETE ([0-9a-f]+)\s*$", prompt)
nonce = match.group(1) if match else "missing"
session = "fake-" + os.environ.get("PCC_TASK_ID", "none")
start = time.time()
out = sys.stdout


def record():
    path = os.environ.get("FAKE_RECORD")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps({
                "argv": argv, "prompt": prompt, "list_id": os.environ.get("PCC_TASK_LIST_ID"),
                "task_id": os.environ.get("PCC_TASK_ID"), "pcc_mode": os.environ.get("PCC_MODE"),
                "cwd": os.getcwd(), "start": start, "end": time.time(),
            }) + "\n")


def emit(obj):
    out.write(json.dumps(obj) + "\n")
    out.flush()


if mode == "quick":
    # As little as possible: one result line (the benchmark's child).
    emit({"type": "result", "subtype": "success", "is_error": False,
          "result": f"RESULT[{tag}]\nTASK-COMPLETE {nonce}", "session_id": session,
          "num_turns": 1})
    sys.exit(0)

emit({"type": "system", "subtype": "init", "session_id": session, "tools": ["Bash"]})
emit({"type": "assistant", "message": {"id": "msg_1", "role": "assistant", "content": [
    {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}]},
    "session_id": session})
emit({"type": "user", "message": {"role": "user", "content": [
    {"tool_use_id": "toolu_1", "type": "tool_result", "content": "a b"}]}, "session_id": session})
emit({"type": "assistant", "message": {"id": "msg_2", "role": "assistant", "content": [
    {"type": "text", "text": "done"}]}, "session_id": session})
if mode == "success":
    record()
    emit({"type": "result", "subtype": "success", "is_error": False,
          "result": f"RESULT[{tag}]\n\nTASK-COMPLETE {nonce}", "session_id": session,
          "num_turns": 2, "total_cost_usd": 0.01, "permission_denials": []})
elif mode == "fail":
    record()
    sys.stderr.write("fatal: boom\n")
    emit({"type": "result", "subtype": "error_during_execution", "is_error": True,
          "result": "", "errors": ["Tool crashed: boom"], "session_id": session})
    sys.exit(1)
elif mode == "gate":
    # Wait until the file FAKE_GATE exists (the test opens the gate), then succeed.
    record()
    while not os.path.exists(os.environ["FAKE_GATE"]):
        time.sleep(0.02)
    emit({"type": "result", "subtype": "success", "is_error": False,
          "result": f"RESULT[{tag}]\nTASK-COMPLETE {nonce}", "session_id": session,
          "num_turns": 2})
elif mode == "hang":
    record()
    ready = os.environ.get("FAKE_READY")
    if ready:
        with open(ready, "w") as f:
            f.write("ready")
    time.sleep(1000)
else:
    sys.stderr.write(f"unknown mode {mode}\n")
    sys.exit(2)
