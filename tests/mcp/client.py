"""Drive `baton mcp` through the official MCP Python SDK (the `mcp` package).

Reads a plan as JSON on stdin, prints what the servers answered as JSON on stdout:

  plan:   {"command": BIN, "args": [...], "env": {...}, "cwd": DIR,
           "steps": [{"tool": NAME, "arguments": {...}} | {"prompt": NAME, "arguments": {...}}
                     | {"write": FILE, "append_after": TEXT, "text": TEXT}],
           "race": {"servers": N, "tool": NAME, "arguments": [{...}, ...]}}   (optional)
  output: {"tools": [...], "prompts": [...], "steps": [...], "race": [...]}

A step's answer is {"is_error": bool, "text": TEXT} for a tool, {"text": TEXT} for a
prompt, or {"protocol_error": MESSAGE} when the server answered with a JSON-RPC error.
"""

import asyncio
import contextlib
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def tool_answer(result):
    texts = [c.text for c in result.content if getattr(c, "type", None) == "text"]
    return {"is_error": bool(result.is_error), "text": "".join(texts)}


def write(plan, s):
    """Insert `text` after the first `append_after` in a workspace file, as an editor would."""
    path = plan["cwd"] + "/" + s["write"]
    with open(path, encoding="utf-8", newline="") as f:
        t = f.read()
    at = t.index(s["append_after"]) + len(s["append_after"])
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(t[:at] + s["text"] + t[at:])
    return {}


async def step(session, s):
    try:
        if "tool" in s:
            return tool_answer(await session.call_tool(s["tool"], s.get("arguments")))
        result = await session.get_prompt(s["prompt"], s.get("arguments"))
        texts = [m.content.text for m in result.messages]
        return {"text": "\n".join(texts)}
    except Exception as e:  # a JSON-RPC error from the server
        return {"protocol_error": str(e)}


@contextlib.asynccontextmanager
async def connect(plan):
    params = StdioServerParameters(
        command=plan["command"], args=plan["args"], env=plan["env"], cwd=plan["cwd"]
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session


async def main():
    plan = json.load(sys.stdin)
    out = {}
    async with connect(plan) as session:
        tools = await session.list_tools()
        out["tools"] = [
            {"name": t.name, "description": t.description, "input_schema": t.input_schema}
            for t in tools.tools
        ]
        prompts = await session.list_prompts()
        out["prompts"] = [
            {"name": p.name, "arguments": [a.name for a in (p.arguments or [])]}
            for p in prompts.prompts
        ]
        out["steps"] = [
            write(plan, s) if "write" in s else await step(session, s)
            for s in plan.get("steps", [])
        ]
    race = plan.get("race")
    if race:
        async with contextlib.AsyncExitStack() as stack:
            sessions = [
                await stack.enter_async_context(connect(plan)) for _ in range(race["servers"])
            ]
            calls = [
                step(s, {"tool": race["tool"], "arguments": a})
                for s, a in zip(sessions, race["arguments"])
            ]
            out["race"] = await asyncio.gather(*calls)
    json.dump(out, sys.stdout)


asyncio.run(main())
