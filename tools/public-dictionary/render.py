#!/usr/bin/env python3
"""Renders one of FusionPBX's Htek templates with ordinary values, as a FusionPBX install would
serve it to one phone, so that bundler can be tried on it (issue 23). The output is written where
asked and is never committed (it is the template's text).

    tools/public-dictionary/render.py FUSIONPBX_GIT_DIR MODEL OUT_FILE [--lines N] [--keys N] [--memory-keys N]

MODEL is a folder of resources/templates/provision/htek (uc903, uc923, uc924, uc924u, uc926,
uc926u). --lines: accounts rendered (default 1); --keys: line keys (default 1); --memory-keys:
memory keys (default 0). Covers the Smarty forms those templates use: {foreach $lines|$keys[…] as
$row}, {if …}{else}{/if} on isset() and on `==` with a quoted string, {literal}, {$var = a - 1}, and
{$var} / {$row.field} values.
"""
import argparse
import re
import subprocess

ORDINARY = {
    "domain_name": "pbx.example.com", "mac": "001fc1000001", "voicemail_number": "*97",
    "htek_dns_mode": "0", "htek_account1_srtpmode": "0",
}


def line_row(n):
    return {"line_number": str(n), "server_address": "pbx.example.com", "sip_port": "5060",
            "outbound_proxy_primary": "", "outbound_proxy_secondary": "", "sip_transport": "udp",
            "user_id": f"10{n:02}", "auth_id": f"10{n:02}", "password": "secret", "label": f"10{n:02}",
            "display_name": f"Ext 10{n:02}", "server_address_primary": "pbx.example.com"}


def key_row(n):
    return {"device_key_id": str(n), "device_key_type": "15", "device_key_value": "",
            "device_key_label": "", "device_key_line": "1", "device_key_extension": ""}


def value(name, scope):
    """{$a.b.c} → scope lookup; unknown values render empty, as Smarty does."""
    parts = name.split(".")
    if parts[0] == "row":
        return scope.get("row", {}).get(parts[1], "")
    if parts[0] == "account" and len(parts) == 3:
        return line_row(int(parts[1])).get(parts[2], "")
    return scope.get(name, ORDINARY.get(name, ""))


def condition(text, scope):
    text = text.strip()
    m = re.fullmatch(r"isset\(\s*\$([\w.]+)\s*\)", text)
    if m:
        return value(m.group(1), scope) != ""
    m = re.fullmatch(r"\$([\w.]+)\s*==\s*'([^']*)'", text)
    if m:
        return value(m.group(1), scope) == m.group(2)
    raise SystemExit(f"render.py: condition not covered: {text}")


TAG = re.compile(r"\{literal\}(.*?)\{/literal\}|\{(/?)(foreach|if)\b([^}]*)\}|\{else\}|\{\$([\w.]+)\}"
                 r"|\{\$(\w+)\s*=\s*([^}]*)\}", re.S)


def assign(expr, scope):
    """{$id = $row.device_key_line - 1}: sums and differences of values and integers."""
    total, sign = 0, 1
    for token in re.findall(r"\$[\w.]+|\d+|[-+]", expr):
        if token in "+-":
            sign = 1 if token == "+" else -1
            continue
        number = value(token[1:], scope) if token.startswith("$") else token
        total += sign * int(number or 0)
    return str(total)


def render(text, scope, counts):
    out, pos = [], 0
    while True:
        m = TAG.search(text, pos)
        if not m:
            out.append(text[pos:])
            return "".join(out)
        out.append(text[pos:m.start()])
        if m.group(1) is not None:
            out.append(m.group(1))
            pos = m.end()
        elif m.group(5) is not None:
            out.append(value(m.group(5), scope))
            pos = m.end()
        elif m.group(6) is not None:
            scope[m.group(6)] = assign(m.group(7), scope)
            pos = m.end()
        elif m.group(3) in ("foreach", "if") and not m.group(2):
            body, alt, pos = block(text, m.end(), m.group(3))
            if m.group(3) == "foreach":
                out += [render(body, {**scope, "row": r}, counts) for r in rows(m.group(4), counts)]
            else:
                out.append(render(body if condition(m.group(4), scope) else alt, scope, counts))
        else:
            raise SystemExit(f"render.py: unexpected {m.group(0)}")


def rows(loop, counts):
    """The rows a {foreach} walks: accounts ($lines), line keys ($keys['line']) or memory keys
    ($keys["memory"]), as many as asked."""
    if "$lines" in loop:
        return [line_row(n) for n in range(1, counts["lines"] + 1)]
    kind = "memory" if "memory" in loop else "line"
    return [key_row(n) for n in range(1, counts[kind] + 1)]


def block(text, start, kind):
    """(body, else-part, end) of the block opened just before `start`, nesting respected."""
    depth, pos, split = 1, start, None
    opener = re.compile(r"\{(/?)(foreach|if)\b[^}]*\}|\{else\}")
    while True:
        m = opener.search(text, pos)
        if not m:
            raise SystemExit(f"render.py: unclosed {{{kind}}}")
        if m.group(0) == "{else}":
            if depth == 1:
                split = m
        elif m.group(1):
            depth -= 1
            if depth == 0:
                if split:
                    return text[start:split.start()], text[split.end():m.start()], m.end()
                return text[start:m.start()], "", m.end()
        else:
            depth += 1
        pos = m.end()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gitdir")
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("--lines", type=int, default=1)
    ap.add_argument("--keys", type=int, default=1)
    ap.add_argument("--memory-keys", type=int, default=0)
    a = ap.parse_args()
    path = f"HEAD:resources/templates/provision/htek/{a.model}/{{$mac}}.cfg"
    text = subprocess.run(["git", "-C", a.gitdir, "show", path], capture_output=True, text=True, check=True).stdout
    with open(a.out, "w") as f:
        f.write(render(text, {}, {"lines": a.lines, "line": a.keys, "memory": a.memory_keys}))


if __name__ == "__main__":
    main()
