#!/usr/bin/env python3
"""Sends one message with Python's smtplib, step by step, and prints every reply as JSON.

The scenario tests play Internet clients and internal hosts with it: it binds to a chosen loopback
source address (--source), may authenticate (--auth USER:PASS after STARTTLS or on a trusted
line), and sends RCPT for each --to even when earlier ones were refused, so a test sees the
server's decision for every address. DATA is sent only when at least one RCPT was accepted.

Output (stdout, one JSON object): {"ehlo": [code, text], "auth": [code, text] | null,
"mail": [code, text], "rcpt": [[address, code, text], ...], "data": [code, text] | null}.
Exit code 0 when the dialogue ran to its end (whatever the server answered), 1 when the
connection failed.
"""

import argparse
import json
import smtplib
import ssl
import sys


def reply(code, text):
    return [code, text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)]


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", required=True, help="HOST:PORT")
    p.add_argument("--source", help="local address to connect from")
    p.add_argument("--helo", default="client.example")
    p.add_argument("--from", dest="sender", required=True, help="envelope sender; '' for the null sender")
    p.add_argument("--to", action="append", required=True, help="a recipient (repeatable)")
    p.add_argument("--message", help="file with the message (headers and body); default: a small one")
    p.add_argument("--auth", metavar="USER:PASS")
    p.add_argument("--starttls", action="store_true")
    p.add_argument("--smtputf8", action="store_true", help="MAIL FROM with SMTPUTF8")
    p.add_argument("--eightbit", action="store_true", help="MAIL FROM with BODY=8BITMIME")
    args = p.parse_args(argv)

    host, _, port = args.server.rpartition(":")
    if args.message:
        with open(args.message, "rb") as f:
            content = f.read()
    else:
        rcpts = ", ".join(args.to)
        content = (f"From: <{args.sender}>\r\nTo: {rcpts}\r\nSubject: scenario test\r\n"
                   f"Message-ID: <{abs(hash((args.sender, rcpts, args.server)))}.{id(p)}@client.example>\r\n\r\n"
                   "Hello from the scenario kit.\r\n").encode("utf-8")
    out = {"ehlo": None, "auth": None, "mail": None, "rcpt": [], "data": None}
    try:
        s = smtplib.SMTP(host, int(port), local_hostname=args.helo, timeout=60,
                         source_address=(args.source, 0) if args.source else None)
    except OSError as e:
        print(json.dumps({"error": repr(e)}))
        return 1
    try:
        out["ehlo"] = reply(*s.ehlo())
        if args.starttls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s.starttls(context=ctx)
            s.ehlo()
        if args.auth:
            user, _, password = args.auth.partition(":")
            try:
                out["auth"] = reply(*s.login(user, password))
            except smtplib.SMTPAuthenticationError as e:
                out["auth"] = reply(e.smtp_code, e.smtp_error)
        options = []
        if args.smtputf8:
            options.append("SMTPUTF8")
        if args.eightbit:
            options.append("BODY=8BITMIME")
        out["mail"] = reply(*s.mail(args.sender, options))
        if out["mail"][0] == 250:
            for r in args.to:
                code, text = s.rcpt(r)
                out["rcpt"].append([r] + reply(code, text))
            if any(c == 250 or c == 251 for _, c, _ in out["rcpt"]):
                try:
                    out["data"] = reply(*s.data(content))
                except smtplib.SMTPDataError as e:
                    out["data"] = reply(e.smtp_code, e.smtp_error)
        try:
            s.quit()
        except smtplib.SMTPException:
            pass
    except (smtplib.SMTPException, OSError) as e:
        out["error"] = repr(e)
        print(json.dumps(out))
        return 1
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
