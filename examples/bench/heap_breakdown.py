#!/usr/bin/env python3
"""Where the heap of an idle tetherd goes, per device (idle-heap-profile.sh).

    heap_breakdown.py STACKS N

STACKS is `heaptrack_print --flamegraph-cost-type leaked -F STACKS` of a
tetherd that was killed while it held N idle devices: "leaked" is then the
heap that was live at that moment, one line per call stack
("frame;frame;... bytes"). Each stack goes to the first consumer whose
pattern it contains; the table lists bytes per device (bytes / N).
"""
import collections
import re
import sys

# (side, consumer, pattern searched in the whole stack), first match wins.
RULES = [
    ("start", "startup (actor system, RocksDB open, config)",
     r"start_control_plane|actor_system::actor_system|deployment::start|tetherd_main\.cpp\);main|rocksdb::DB::Open"),
    ("balancer", "Beast websocket stream (impl: frame buffers, timer)",
     r"websocket::stream<>::impl_type\*|make_shared<>\(boost::asio::basic_stream_socket<>&&\)(?!.*basic_stream<>::basic_stream)"),
    ("balancer", "Beast tcp_stream (impl: socket, timers)", r"basic_stream<>::basic_stream<>"),
    # Before the reads: its stacks start in an upgrade read's completion.
    ("balancer", "flapping-ban window per id (time-bounded)", r"flap_ban"),
    # An idle connection's wait for readability (branch mem11; its frame is
    # named after ws_server.cpp or, inlined, after exact_allocator.hpp).
    ("balancer", "pending wait for readability (Asio operation)",
     r"wait_readable \((ws_server\.cpp|exact_allocator\.hpp)\)|reactive_wait_op"),
    ("balancer", "pending socket read (Asio operation + Beast handlers)",
     r"reactive_socket_recv_op|async_receive<>"),
    # Asio's recycling allocator: a finished write's block, cached by the
    # thread, then lent to the read that waits on the next socket.
    ("balancer", "pending socket read (Asio operation + Beast handlers)",
     r"thread_info_base::allocate"),
    ("balancer", "socket registration (Asio epoll descriptor)", r"allocate_descriptor_state"),
    ("balancer", "strand (Asio)", r"strand_executor_service::create_implementation"),
    ("balancer", "read buffer between frames", r"do_read \((ws_server\.cpp|read\.hpp)\).*flat_buffer"),
    ("balancer", "ws_session object (socket state, upgrade parser)", r"on_(accept|socket) \(ws_server\.cpp\)"),
    ("balancer", "connection entry (balancer actor)", r"cluster_balancer|connection_table"),
    ("node", "session actor (CAF actor + state)", r"spawn_session.*(make_actor|\((local_actor|node)\.hpp\);?$|start_session \(node\.cpp\);?$)|terminal_session_state::terminal_session_state|stateful_actor<>::stateful_actor"),
    ("node", "session behaviour and start", r"terminal_session\.cpp"),
    ("node", "node: links, live map, keepalive schedule", r"node\.cpp|keepalive_schedule"),
    ("control", "control terminal table (record, counters)", r"terminal_table"),
    ("control", "control API/connection history", r"api_histories"),
    ("control", "cluster manager terminal map", r"terminal_map|cluster_manager"),
    ("control", "device-proof nonce cache (time-bounded)", r"nonce_cache"),
    ("control", "other control state", r"control(_flows)?\.cpp"),
    ("store", "RocksDB WAL writer buffer (fixed)", r"WritableFileWriter|log::Writer"),
    ("store", "RocksDB memtable (bounded by write_buffer_size)", r"rocksdb::(Concurrent)?Arena|MemTable"),
    ("store", "RocksDB other", r"rocksdb::"),
    ("other", "HTTP server / gateway", r"http_server\.cpp|http_gateway|http_routes|http_auth"),
    ("other", "CAF runtime (clock, mailboxes)", r"caf::"),
    ("other", "Asio runtime", r"boost::asio"),
]


def main():
    path, n = sys.argv[1], int(sys.argv[2])
    compiled = [(side, name, re.compile(p)) for side, name, p in RULES]
    totals = collections.Counter()
    for line in open(path):
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not count.isdigit():
            continue
        for side, name, pattern in compiled:
            if pattern.search(stack):
                totals[(side, name)] += int(count)
                break
        else:
            totals[("other", "unclassified")] += int(count)
    all_bytes = sum(totals.values())
    print(f"live heap {all_bytes / 1048576:.1f} MiB with {n} idle devices: "
          f"{all_bytes / n:.0f} B per device (startup included)")
    print(f"{'side':9}{'consumer':56}{'B/device':>9}")
    for side in ("balancer", "node", "control", "store", "other", "start"):
        rows = sorted(((v, k[1]) for k, v in totals.items() if k[0] == side), reverse=True)
        subtotal = sum(v for v, _ in rows)
        for v, name in rows:
            print(f"{side:9}{name:56}{v / n:9.0f}")
        print(f"{side:9}{'= ' + side + ' total':56}{subtotal / n:9.0f}")


if __name__ == "__main__":
    main()
