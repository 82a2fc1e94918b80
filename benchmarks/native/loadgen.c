/*
 * loadgen: the one client used against every echo server in the comparison (jevent, Netty, plain NIO,
 * libevent), so that only the server side differs between systems. Loopback only; every loop is bounded
 * in time and in count.
 *
 *   loadgen pingpong PORT SECONDS [SIZE]        1 connection, SIZE-byte (default 64) ping-pong, blocking I/O
 *                                                prints: pingpong rtt=N secs=S rate=R
 *   loadgen pingpongs PORT SECONDS CONNS [SIZE]  CONNS connections, each with one SIZE-byte (default 64) message
 *                                                in flight at a time, one epoll thread
 *                                                prints: pingpongs rtt=N secs=S rate=R (round trips, all connections)
 *   loadgen stream PORT SECONDS CONNS CHUNK     CONNS connections each writing CHUNK-byte writes, at most
 *                                                WINDOW bytes un-echoed per connection, one epoll thread
 *                                                prints: stream bytes=N secs=S mbps=R   (MB = 10^6 bytes)
 *   loadgen idle PORT N HOLD_SECONDS            opens N connections, prints "connected N", then holds them
 *                                                until a line or EOF on stdin, or HOLD_SECONDS
 *
 * Every connection is closed with SO_LINGER {1, 0} (a reset): no TIME_WAIT, so that repetitions of
 * 10,000 connections to the same port never run out of ephemeral ports.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WINDOW (256 * 1024)
#define MAX_CONNS 20000

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what) {
    perror(what);
    exit(2);
}

static int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int attempt = 0;; attempt++) {
        if (connect(fd, (struct sockaddr *) &sa, sizeof sa) == 0) break;
        if (attempt >= 50 || (errno != ECONNREFUSED && errno != EAGAIN && errno != EINTR)) die("connect");
        usleep(20000);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    return fd;
}

static int pingpong(int port, double secs, int size) {
    int fd = connect_to(port);
    char *buf = calloc(1, size);
    memset(buf, 'p', size);
    long rtt = 0;
    const long max_rtt = 100000000L;
    double start = now(), end = start + secs, t = start;
    while (rtt < max_rtt) {
        if ((rtt & 63) == 0 && (t = now()) >= end) break;
        if (write(fd, buf, size) != size) die("write");
        int got = 0;
        while (got < size) {
            ssize_t n = read(fd, buf + got, size - got);
            if (n <= 0) die(n == 0 ? "read: EOF" : "read");
            got += n;
        }
        rtt++;
    }
    t = now() - start;
    printf("pingpong rtt=%ld secs=%.3f rate=%.1f\n", rtt, t, rtt / t);
    close(fd);
    return 0;
}

struct conn {
    int fd;
    long sent, received;
    int chunk_off;  /* bytes of the current chunk already written */
    int want_out;   /* EPOLLOUT registered */
};

static int stream(int port, double secs, int nconns, int chunk) {
    if (nconns < 1 || nconns > 1024) { fprintf(stderr, "1 <= CONNS <= 1024\n"); return 2; }
    int ep = epoll_create1(0);
    struct conn *c = calloc(nconns, sizeof *c);
    char *out = malloc(chunk), *in = malloc(256 * 1024);
    memset(out, 's', chunk);
    for (int i = 0; i < nconns; i++) {
        c[i].fd = connect_to(port);
        fcntl(c[i].fd, F_SETFL, fcntl(c[i].fd, F_GETFL) | O_NONBLOCK);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev) < 0) die("epoll_ctl");
    }
    long total = 0;
    double start = now(), end = start + secs;
    struct epoll_event evs[64];
    int first = 1;
    for (long iter = 0; iter < 1000000000L; iter++) {
        if (now() >= end) break;
        int n;
        if (first) {  /* kick every connection off once */
            n = nconns > 64 ? 64 : nconns;
            for (int i = 0; i < n; i++) { evs[i].data.u32 = i; evs[i].events = EPOLLOUT; }
            first = 0;
        } else {
            n = epoll_wait(ep, evs, 64, 100);
            if (n < 0) { if (errno == EINTR) continue; die("epoll_wait"); }
        }
        for (int k = 0; k < n; k++) {
            struct conn *x = &c[evs[k].data.u32];
            if (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                for (;;) {
                    ssize_t r = read(x->fd, in, 256 * 1024);
                    if (r > 0) { x->received += r; total += r; if (r < 256 * 1024) break; continue; }
                    if (r == 0) { fprintf(stderr, "stream: server closed a connection\n"); return 2; }
                    if (errno == EAGAIN) break;
                    die("read");
                }
            }
            int blocked = 0;
            while (x->sent - x->received < WINDOW) {
                ssize_t w = write(x->fd, out + x->chunk_off, chunk - x->chunk_off);
                if (w < 0) { if (errno == EAGAIN) { blocked = 1; break; } die("write"); }
                x->sent += w;
                x->chunk_off = (x->chunk_off + w) % chunk;
            }
            if (blocked != x->want_out) {
                struct epoll_event ev = {.events = EPOLLIN | (blocked ? EPOLLOUT : 0), .data.u32 = evs[k].data.u32};
                epoll_ctl(ep, EPOLL_CTL_MOD, x->fd, &ev);
                x->want_out = blocked;
            }
        }
    }
    double t = now() - start;
    printf("stream bytes=%ld secs=%.3f mbps=%.1f\n", total, t, total / t / 1e6);
    for (int i = 0; i < nconns; i++) close(c[i].fd);
    return 0;
}

/* CONNS connections, each sending SIZE bytes and waiting for all of them to come back before the next message. */
static int pingpongs(int port, double secs, int nconns, int size) {
    if (nconns < 1 || nconns > 1024 || size < 1 || size > 65536) {
        fprintf(stderr, "1 <= CONNS <= 1024, 1 <= SIZE <= 65536\n");
        return 2;
    }
    int ep = epoll_create1(0);
    int *fd = calloc(nconns, sizeof *fd);
    int *got = calloc(nconns, sizeof *got);
    char *out = malloc(size), *in = malloc(65536);
    memset(out, 'p', size);
    for (int i = 0; i < nconns; i++) {
        fd[i] = connect_to(port);
        fcntl(fd[i], F_SETFL, fcntl(fd[i], F_GETFL) | O_NONBLOCK);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd[i], &ev) < 0) die("epoll_ctl");
    }
    long rtt = 0;
    double start = now(), end = start + secs;
    for (int i = 0; i < nconns; i++)
        if (write(fd[i], out, size) != size) die("write");  /* 64 B into an empty socket buffer: taken whole */
    struct epoll_event evs[64];
    for (long iter = 0; iter < 1000000000L; iter++) {
        if (now() >= end) break;
        int n = epoll_wait(ep, evs, 64, 100);
        if (n < 0) { if (errno == EINTR) continue; die("epoll_wait"); }
        for (int k = 0; k < n; k++) {
            int i = evs[k].data.u32;
            for (;;) {
                ssize_t r = read(fd[i], in, 65536);
                if (r > 0) { got[i] += r; continue; }
                if (r == 0) { fprintf(stderr, "pingpongs: server closed a connection\n"); return 2; }
                if (errno == EAGAIN) break;
                die("read");
            }
            if (got[i] >= size) {
                if (got[i] > size) { fprintf(stderr, "pingpongs: %d bytes back for %d\n", got[i], size); return 2; }
                got[i] = 0;
                rtt++;
                if (write(fd[i], out, size) != size) die("write");
            }
        }
    }
    double t = now() - start;
    printf("pingpongs rtt=%ld secs=%.3f rate=%.1f\n", rtt, t, rtt / t);
    for (int i = 0; i < nconns; i++) close(fd[i]);
    return 0;
}

static int idle(int port, int n, double hold) {
    if (n < 1 || n > MAX_CONNS) { fprintf(stderr, "1 <= N <= %d\n", MAX_CONNS); return 2; }
    int *fds = malloc(n * sizeof *fds);
    double start = now();
    for (int i = 0; i < n; i++) fds[i] = connect_to(port);
    printf("connected %d secs=%.3f\n", n, now() - start);
    fflush(stdout);
    struct pollfd p = {.fd = 0, .events = POLLIN};
    poll(&p, 1, (int) (hold * 1000));
    for (int i = 0; i < n; i++) close(fds[i]);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 4 && !strcmp(argv[1], "pingpong"))
        return pingpong(atoi(argv[2]), atof(argv[3]), argc > 4 ? atoi(argv[4]) : 64);
    if (argc >= 5 && !strcmp(argv[1], "pingpongs"))
        return pingpongs(atoi(argv[2]), atof(argv[3]), atoi(argv[4]), argc > 5 ? atoi(argv[5]) : 64);
    if (argc == 6 && !strcmp(argv[1], "stream"))
        return stream(atoi(argv[2]), atof(argv[3]), atoi(argv[4]), atoi(argv[5]));
    if (argc == 5 && !strcmp(argv[1], "idle"))
        return idle(atoi(argv[2]), atoi(argv[3]), atof(argv[4]));
    fprintf(stderr, "usage: loadgen pingpong PORT SECS [SIZE] | pingpongs PORT SECS CONNS [SIZE] | stream PORT SECS CONNS CHUNK | idle PORT N HOLD\n");
    return 2;
}
