#!/usr/bin/python3 -S
"""A fake `claude -p` for pcc-runner's tests: prints stream-json like Claude Code.

Behaviour comes from FAKE_MODE (passed through the runner's extra_env). The prompt is read from
stdin, as `claude -p` does when no prompt argument is given (a prompt argument is an error here:
the runner must not pass one). Every run appends {"argv", "prompt", "pcc_mode", "task_id", "cwd"}
as one JSON line to FAKE_RECORD when it is set.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

SESSION = os.environ.get("FAKE_SESSION", "11111111-2222-3333-4444-555555555555")
argv = sys.argv[1:]
mode = os.environ.get("FAKE_MODE", "success")
if "--resume" in argv and os.environ.get("FAKE_MODE_ON_RESUME"):
    mode = os.environ["FAKE_MODE_ON_RESUME"]

if mode == "flood_then_read":
    # Fill stdout (far past a pipe's buffer) before reading the prompt: a runner that writes the
    # prompt and only then reads our output deadlocks here.
    flood = json.dumps({"type": "user", "message": {"role": "user", "content": "x" * 1000},
                        "session_id": SESSION}) + "\n"
    for _ in range(4 * 1024):
        sys.stdout.write(flood)
    sys.stdout.flush()
if len(argv) > 1 and argv[0] == "-p" and not argv[1].startswith("--"):
    sys.stderr.write(f"the prompt was passed as an argument: {argv[1][:80]!r}\n")
    sys.exit(2)
prompt = sys.stdin.read()

record = os.environ.get("FAKE_RECORD")
if record:
    with open(record, "a") as f:
        f.write(json.dumps({
            "argv": argv,
            "prompt": prompt,
            "pcc_mode": os.environ.get("PCC_MODE"),
            "task_id": os.environ.get("PCC_TASK_ID"),
            "cwd": os.getcwd(),
        }) + "\n")

match = re.search(r"TASK-COMPLETE ([0-9a-f]+)\s*$", prompt)
nonce = match.group(1) if match else "missing"
out = sys.stdout


def emit(obj):
    out.write(json.dumps(obj) + "\n")
    out.flush()


def init():
    emit({"type": "system", "subtype": "hook_started", "hook_name": "SessionStart:startup",
          "session_id": SESSION})
    emit({"type": "system", "subtype": "init", "session_id": SESSION, "tools": ["Bash"]})


def assistant(msg_id, blocks):
    emit({"type": "assistant", "message": {"id": msg_id, "role": "assistant", "content": blocks},
          "parent_tool_use_id": None, "session_id": SESSION})


def result(text, is_error=False, subtype="success", **extra):
    obj = {"type": "result", "subtype": subtype, "is_error": is_error, "result": text,
           "session_id": SESSION, "num_turns": 2, "total_cost_usd": 0.0125,
           "permission_denials": [{"tool_name": "Bash", "tool_use_id": "toolu_9",
                                   "tool_input": {"command": "rm -rf /"}}]}
    obj.update(extra)
    emit(obj)


def work():
    init()
    assistant("msg_1", [{"type": "tool_use", "id": "toolu_1", "name": "Bash",
                         "input": {"command": "ls"}}])
    emit({"type": "user", "message": {"role": "user", "content": [
        {"tool_use_id": "toolu_1", "type": "tool_result", "content": "a b"}]}, "session_id": SESSION})
    out.write("this line is not json\n")
    assistant("msg_2", [{"type": "text", "text": "All done"}])


def hang():
    # Ignore SIGTERM, start a grandchild that ignores it too, then sleep.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    grandchild = subprocess.Popen(
        [sys.executable, "-S", "-c",
         "import signal,time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(1000)"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pid_file = os.environ.get("FAKE_PID_FILE")
    if pid_file:
        with open(pid_file, "w") as f:
            f.write(str(grandchild.pid))
    init()
    assistant("msg_1", [{"type": "text", "text": "partial work before hanging"}])
    while True:
        time.sleep(1000)


if mode in ("success", "flood_then_read"):
    work()
    result(f"All done\n\nTASK-COMPLETE {nonce}")
elif mode == "no_nonce":
    work()
    result("All done, trust me")
elif mode == "wrong_nonce":
    work()
    result("All done\nTASK-COMPLETE 0123")
elif mode == "fail":
    init()
    sys.stderr.write("fatal: something went wrong\n")
    result("", is_error=True, subtype="error_during_execution", errors=["Tool crashed: boom"])
    sys.exit(1)
elif mode == "exit_no_result":
    init()
    sys.stderr.write("segfault-ish\n")
    sys.exit(3)
elif mode == "orphan_holds_stdout":
    # Exit at once but leave a grandchild that keeps our stdout open.
    work()
    result(f"All done\nTASK-COMPLETE {nonce}")
    grandchild = subprocess.Popen([sys.executable, "-S", "-c", "import time\ntime.sleep(1000)"])
    with open(os.environ["FAKE_PID_FILE"], "w") as f:
        f.write(str(grandchild.pid))
    os._exit(0)
elif mode == "hang":
    hang()
elif mode == "slow":
    init()
    assistant("msg_1", [{"type": "text", "text": "working slowly"}])
    time.sleep(1000)
elif mode == "flood":
    init()
    line = json.dumps({"type": "user", "message": {"role": "user", "content": "x" * 1000},
                       "session_id": SESSION}) + "\n"
    err_line = "e" * 1023 + "\n"
    for i in range(11 * 1024):  # about 11 MB on stdout, 4 MB on stderr, interleaved
        out.write(line)
        if i % 3 == 0:
            sys.stderr.write(err_line)
    out.flush()
    result(f"flooded\nTASK-COMPLETE {nonce}")
elif mode == "ratelimit":
    init()
    resets_at = int(os.environ.get("FAKE_RESETS_AT", "1795255020"))
    emit({"type": "rate_limit_event", "rate_limit_info": {
        "status": "rejected", "resetsAt": resets_at, "rateLimitType": "five_hour"},
        "session_id": SESSION})
    result("You've hit your 5-hour limit · resets 9:57am (UTC)", is_error=True,
           api_error_status=429, api_error="usage_limit_reached", api_error_type="rate_limit_error")
    sys.exit(1)
elif mode == "apikey429":
    init()
    result("API Error: Request rejected (429) · This request would exceed your account's rate "
           "limit. Please try again later.", is_error=True, api_error_status=429,
           api_error_type="rate_limit_error")
    sys.exit(1)
else:
    sys.stderr.write(f"unknown FAKE_MODE {mode}\n")
    sys.exit(2)
