#!/usr/bin/env python3
"""bench/serve_client.py: N phones at once against one HTTP server, each on its own kept-alive
connection from one of 250 loopback addresses (127.0.0.1-250, as phones each have their own),
fetching what a Htek phone fetches at boot: its own config, the model's common config, a ring tone
and the hlpres.tar. Prints one JSON line: seconds, requests, bytes, errors.

Usage: serve_client.py PORT N MAC_PREFIX
"""
import asyncio, json, sys, time

PORT, N, PREFIX = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]


async def get(reader, writer, path, ua):
    writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\nUser-Agent: {ua}\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status, length


async def phone(i, stats):
    mac = f"{PREFIX}{i:06x}"
    ua = f"Htek UC924 2.0.4.6.41 {':'.join(mac[k:k+2] for k in range(0, 12, 2))}"
    try:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", PORT, local_addr=(f"127.0.0.{i % 250 + 1}", 0), limit=1 << 20)
        for path in (f"/cfg{mac}.xml", "/cfg0012.xml", f"/ring{4 + i % 5}.bin", "/UC924/hlpres.tar"):
            status, length = await get(reader, writer, path, ua)
            stats["requests"] += 1
            stats["bytes"] += length
            if status != 200:
                stats["errors"] += 1
        writer.close()
    except Exception as e:  # a refused or reset connection is an error, not a crash of the bench
        stats["errors"] += 1
        stats.setdefault("first_error", repr(e))


async def main():
    stats = {"requests": 0, "bytes": 0, "errors": 0}
    start = time.perf_counter()
    await asyncio.gather(*(phone(i, stats) for i in range(N)))
    stats["seconds"] = round(time.perf_counter() - start, 3)
    print(json.dumps(stats))


asyncio.run(main())
