#!/usr/bin/env python3
"""A scriptable SMTP/LMTP server for testing Gatehouse's outbound client.

What it does: accepts connections, speaks enough ESMTP (RFC 5321) or LMTP (RFC 2033) to take
messages, and writes each accepted message atomically as DIR/<n>.eml with its envelope in
DIR/<n>.json. Options make it refuse, drop the connection, or leave out extensions, so tests can
drive the client through its failure paths. It enforces what a strict server would: ESMTP
parameters only for announced extensions, AUTH before MAIL when --auth is given.

What it does not: relay, queue, check DNS or verify anything about the message content.

Standard library only (asyncio, ssl); it prints "ready HOST PORT" on stdout once listening.
"""

import argparse
import asyncio
import base64
import itertools
import json
import os
import ssl
import sys

MAX_LINE = 64 * 1024


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--listen", required=True, help="HOST:PORT; port 0 picks a free one")
    p.add_argument("--out", help="directory for <n>.eml and <n>.json of each accepted message")
    p.add_argument("--hostname", default="sink.test")
    p.add_argument("--no-8bitmime", action="store_true")
    p.add_argument("--no-pipelining", action="store_true")
    p.add_argument("--no-smtputf8", action="store_true")
    p.add_argument("--no-dsn", action="store_true")
    p.add_argument("--no-ehlo", action="store_true", help="answer EHLO with 502 (HELO still works)")
    p.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"), help="announce and do STARTTLS")
    p.add_argument("--auth", metavar="USER:PASS", help="announce AUTH PLAIN LOGIN and require it before MAIL")
    p.add_argument("--rcpt-reply", action="append", default=[], metavar="ADDR=REPLY", help="reply to RCPT TO:<ADDR> (repeatable)")
    p.add_argument("--dot-reply", action="append", default=[], metavar="ADDR=REPLY", help="LMTP: reply for ADDR after the dot (repeatable)")
    p.add_argument("--data-reply-first", nargs=2, metavar=("N", "REPLY"), help="the first N transactions get REPLY after the dot")
    p.add_argument("--drop-at", choices=["MAIL", "RCPT", "DATA", "DOT"], help="close the connection without a reply at that stage")
    p.add_argument("--close-after-transaction", action="store_true", help="say 421 and close the connection after each message, as a server shutting down or timing out an idle client")
    p.add_argument("--refuse-null-sender", action="store_true", help="answer MAIL FROM:<> with 550 5.7.1, as some hosts do")
    p.add_argument("--lmtp", action="store_true")
    p.add_argument("--size", type=int, help="announce SIZE N and refuse larger messages")
    args = p.parse_args(argv)
    args.rcpt_replies = {}
    for item in args.rcpt_reply:
        addr, _, reply = item.partition("=")
        args.rcpt_replies[addr.lower()] = reply
    args.dot_replies = {}
    for item in args.dot_reply:
        addr, _, reply = item.partition("=")
        args.dot_replies[addr.lower()] = reply
    return args


class Sink:
    def __init__(self, args):
        self.args = args
        self.counter = itertools.count(1)
        self.transactions = 0
        self.tls_context = None
        if args.starttls:
            self.tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.tls_context.load_cert_chain(args.starttls[0], args.starttls[1])
        if args.out:
            os.makedirs(args.out, exist_ok=True)

    async def serve(self):
        host, _, port = self.args.listen.rpartition(":")
        server = await asyncio.start_server(self.session, host, int(port), limit=MAX_LINE)
        real = server.sockets[0].getsockname()
        print(f"ready {real[0]} {real[1]}", flush=True)
        async with server:
            await server.serve_forever()

    async def session(self, reader, writer):
        peer = writer.get_extra_info("peername")
        print(f"connection from {peer[0]}:{peer[1]}", file=sys.stderr, flush=True)
        try:
            await Session(self, reader, writer).run()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, asyncio.LimitOverrunError) as e:
            print(f"session ended: {e!r}", file=sys.stderr, flush=True)
        finally:
            try:
                writer.close()
                await writer.wait_closed()
            except (ConnectionError, ssl.SSLError, OSError):
                pass

    def store(self, raw, envelope):
        """Writes the message and its envelope, each by rename, so a reader never sees half a file."""
        if not self.args.out:
            return
        n = next(self.counter)
        envelope["number"] = n
        for name, data in ((f"{n}.eml", raw), (f"{n}.json", json.dumps(envelope, indent=1).encode())):
            final = os.path.join(self.args.out, name)
            tmp = final + ".tmp"
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, final)


class Drop(Exception):
    """Close the connection now, without a reply."""


class Session:
    def __init__(self, sink, reader, writer):
        self.sink = sink
        self.args = sink.args
        self.reader = reader
        self.writer = writer
        self.helo = None
        self.esmtp = False
        self.tls = False
        self.user = None
        self.peer = writer.get_extra_info("peername")[0]
        self.reset()

    def reset(self):
        self.mail_from = None
        self.mail_params = {}
        self.rcpts = []

    async def reply(self, text):
        self.writer.write(text.encode("utf-8") + b"\r\n")
        await self.writer.drain()

    async def readline(self):
        line = await self.reader.readuntil(b"\n")
        return line.rstrip(b"\r\n").decode("utf-8", "surrogateescape")

    def extensions(self):
        ext = []
        if not self.args.no_pipelining:
            ext.append("PIPELINING")
        ext.append(f"SIZE {self.args.size}" if self.args.size else "SIZE")
        if not self.args.no_8bitmime:
            ext.append("8BITMIME")
        if not self.args.no_smtputf8:
            ext.append("SMTPUTF8")
        if not self.args.no_dsn:
            ext.append("DSN")
        ext.append("ENHANCEDSTATUSCODES")
        if self.sink.tls_context and not self.tls:
            ext.append("STARTTLS")
        if self.args.auth and not self.user:
            ext.append("AUTH PLAIN LOGIN")
        return ext

    async def run(self):
        await self.reply(f"220 {self.args.hostname} {'LMTP' if self.args.lmtp else 'ESMTP'} smtp_sink.py")
        while True:
            try:
                line = await self.readline()
            except asyncio.IncompleteReadError:
                return
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            handler = getattr(self, "cmd_" + verb, None)
            if handler is None:
                await self.reply("500 5.5.2 Command unrecognized")
                continue
            try:
                if await handler(arg) is False:
                    return
            except Drop:
                print(f"dropping the connection at {verb}", file=sys.stderr, flush=True)
                self.writer.transport.abort()
                return

    async def greet(self, arg, esmtp):
        self.helo = arg
        self.esmtp = esmtp
        self.reset()
        if not esmtp:
            await self.reply(f"250 {self.args.hostname}")
            return
        lines = [f"{self.args.hostname} greets {arg}"] + self.extensions()
        await self.reply("\r\n".join(f"250-{l}" for l in lines[:-1]) + f"\r\n250 {lines[-1]}")

    async def cmd_EHLO(self, arg):
        if self.args.lmtp or self.args.no_ehlo:
            await self.reply("502 5.5.1 EHLO not implemented" if self.args.no_ehlo else "500 5.5.1 This is LMTP: use LHLO")
            return
        await self.greet(arg, True)

    async def cmd_HELO(self, arg):
        if self.args.lmtp:
            await self.reply("500 5.5.1 This is LMTP: use LHLO")
            return
        await self.greet(arg, False)

    async def cmd_LHLO(self, arg):
        if not self.args.lmtp:
            await self.reply("500 5.5.1 This is SMTP")
            return
        await self.greet(arg, True)

    async def cmd_STARTTLS(self, arg):
        if not self.sink.tls_context or self.tls:
            await self.reply("454 4.7.0 TLS not available")
            return
        await self.reply("220 2.0.0 Ready to start TLS")
        await self.writer.start_tls(self.sink.tls_context)
        self.tls = True
        self.helo = None
        self.esmtp = False
        self.reset()

    async def cmd_AUTH(self, arg):
        if not self.args.auth or not self.esmtp:
            await self.reply("503 5.5.1 AUTH not available")
            return
        mechanism, _, initial = arg.partition(" ")
        mechanism = mechanism.upper()
        try:
            if mechanism == "PLAIN":
                if not initial:
                    await self.reply("334 ")
                    initial = await self.readline()
                _, user, password = base64.b64decode(initial).decode().split("\0")
            elif mechanism == "LOGIN":
                await self.reply("334 VXNlcm5hbWU6")
                user = base64.b64decode(await self.readline()).decode()
                await self.reply("334 UGFzc3dvcmQ6")
                password = base64.b64decode(await self.readline()).decode()
            else:
                await self.reply("504 5.5.4 Unrecognized authentication mechanism")
                return
        except (ValueError, UnicodeDecodeError):
            await self.reply("501 5.5.2 Cannot decode response")
            return
        if f"{user}:{password}" == self.args.auth:
            self.user = user
            await self.reply("235 2.7.0 Authentication successful")
        else:
            await self.reply("535 5.7.8 Authentication credentials invalid")

    def parameters(self, text, allowed):
        params = {}
        for item in text.split():
            key, eq, value = item.partition("=")
            key = key.upper()
            if key not in allowed:
                raise ValueError(f"555 5.5.4 Unsupported parameter {key}")
            params[key] = value if eq else None
        return params

    def allowed_mail_parameters(self):
        if not self.esmtp:
            return set()
        allowed = {"SIZE"}
        if not self.args.no_8bitmime:
            allowed.add("BODY")
        if not self.args.no_smtputf8:
            allowed.add("SMTPUTF8")
        if not self.args.no_dsn:
            allowed |= {"RET", "ENVID"}
        return allowed

    @staticmethod
    def path(arg, prefix):
        if not arg.upper().startswith(prefix):
            raise ValueError(f"501 5.5.4 Syntax: {prefix}<address>")
        rest = arg[len(prefix):].strip()
        if not rest.startswith("<") or ">" not in rest:
            raise ValueError("501 5.1.3 Bad address syntax")
        end = rest.index(">")
        return rest[1:end], rest[end + 1:]

    async def cmd_MAIL(self, arg):
        if self.args.drop_at == "MAIL":
            raise Drop()
        if self.helo is None:
            await self.reply("503 5.5.1 Send EHLO first")
            return
        if self.args.auth and not self.user:
            await self.reply("530 5.7.0 Authentication required")
            return
        if self.mail_from is not None:
            await self.reply("503 5.5.1 Sender already specified")
            return
        try:
            address, rest = self.path(arg, "FROM:")
            params = self.parameters(rest, self.allowed_mail_parameters())
        except ValueError as e:
            await self.reply(str(e))
            return
        if self.args.refuse_null_sender and address == "":
            await self.reply("550 5.7.1 No bounces accepted here")
            return
        if self.args.size and params.get("SIZE") and int(params["SIZE"]) > self.args.size:
            await self.reply("552 5.3.4 Message size exceeds fixed maximum message size")
            return
        self.mail_from = address
        self.mail_params = params
        await self.reply("250 2.1.0 Sender ok")

    async def cmd_RCPT(self, arg):
        if self.args.drop_at == "RCPT":
            raise Drop()
        if self.mail_from is None:
            await self.reply("503 5.5.1 Send MAIL first")
            return
        try:
            address, rest = self.path(arg, "TO:")
            params = self.parameters(rest, {"NOTIFY", "ORCPT"} if self.esmtp and not self.args.no_dsn else set())
        except ValueError as e:
            await self.reply(str(e))
            return
        scripted = self.args.rcpt_replies.get(address.lower())
        if scripted and not scripted.startswith("2"):
            await self.reply(scripted)
            return
        self.rcpts.append({"address": address, "params": params})
        await self.reply(scripted or "250 2.1.5 Recipient ok")

    async def cmd_DATA(self, arg):
        if self.args.drop_at == "DATA":
            raise Drop()
        if self.mail_from is None:
            await self.reply("503 5.5.1 Send MAIL first")
            return
        if not self.rcpts:
            await self.reply("554 5.5.1 No valid recipients")
            return
        await self.reply("354 End data with <CR><LF>.<CR><LF>")
        lines = []
        while True:
            line = await self.reader.readuntil(b"\n")
            if line == b".\r\n":
                break
            if line.startswith(b"."):
                line = line[1:]
            lines.append(line)
        raw = b"".join(lines)
        if self.args.drop_at == "DOT":
            raise Drop()
        self.sink.transactions += 1
        replies = self.dot_replies()
        if any(r.startswith("2") for r in replies):
            self.sink.store(raw, {
                "helo": self.helo,
                "peer_ip": self.peer,
                "tls": self.tls,
                "mail_from": self.mail_from,
                "mail_params": self.mail_params,
                "rcpts": [r for r, reply in zip(self.rcpts, replies) if reply.startswith("2")] if self.args.lmtp else self.rcpts,
                "authenticated_user": self.user,
                "lmtp": self.args.lmtp,
            })
        for reply in replies:
            await self.reply(reply)
        self.reset()
        if self.args.close_after_transaction:
            await self.reply("421 4.3.2 Service shutting down, closing connection")
            return False

    def dot_replies(self):
        """One reply under SMTP; one per accepted recipient under LMTP."""
        first = self.args.data_reply_first
        if first and self.sink.transactions <= int(first[0]):
            return [first[1]] * (len(self.rcpts) if self.args.lmtp else 1)
        if not self.args.lmtp:
            return ["250 2.0.0 Ok: queued"]
        return [self.args.dot_replies.get(r["address"].lower(), f"250 2.1.5 <{r['address']}> delivered") for r in self.rcpts]

    async def cmd_RSET(self, arg):
        self.reset()
        await self.reply("250 2.0.0 Ok")

    async def cmd_NOOP(self, arg):
        await self.reply("250 2.0.0 Ok")

    async def cmd_QUIT(self, arg):
        await self.reply("221 2.0.0 Bye")
        return False


def main(argv):
    args = parse_args(argv)
    try:
        asyncio.run(Sink(args).serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
