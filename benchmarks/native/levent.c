/*
 * The libevent 2.1 side of the comparison, on libevent's own API (event_base, bufferevent, evconnlistener).
 * Built by benchmarks/run.sh: gcc -O2 -o levent levent.c -levent
 *
 *   levent echo                          a bufferevent echo server on 127.0.0.1, port chosen by the kernel.
 *                                        Prints "READY <port>"; reads control lines on stdin:
 *                                        "STATS" -> "STATS conns=N heap=<malloc'd bytes in use>",
 *                                        "QUIT" or EOF -> exit.
 *                                        The read callback is the canonical
 *                                        bufferevent_write_buffer(bev, bufferevent_get_input(bev)).
 *   levent bench PIPES ACTIVE WRITES ROUNDS [pipe]
 *                                        libevent's test/bench.c on socketpairs: ROUNDS warm-up rounds, then
 *                                        ROUNDS timed rounds; prints "bench ... us=<mean µs per round>".
 *                                        With "pipe", pipe(2) pairs instead of AF_UNIX socketpairs.
 *                                        As in DispatchBench, a round's time includes the ACTIVE first writes.
 *   levent timers N COMMON               N timers with random deadlines and COMMON on one common timeout;
 *                                        prints µs for: add+remove N (deadlines in [1 s, 2 s)), add N and
 *                                        fire them all (deadlines in [0, 1 ms)), add+remove COMMON on one
 *                                        common timeout of 1 s, add COMMON on a common timeout of 1 ms and fire.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* ------------------------------------------------------------------------------------------ echo */

static long conns;

static void echo_read(struct bufferevent *bev, void *arg) {
    (void) arg;
    bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

static void echo_event(struct bufferevent *bev, short what, void *arg) {
    (void) arg;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        bufferevent_free(bev);
        conns--;
    }
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg) {
    (void) sa; (void) len; (void) arg;
    struct event_base *base = evconnlistener_get_base(l);
    struct bufferevent *bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(bev, echo_read, NULL, echo_event, NULL);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    conns++;
}

static void on_control(evutil_socket_t fd, short what, void *arg) {
    (void) what;
    static char line[256];
    static size_t used;
    ssize_t n = read(fd, line + used, sizeof line - 1 - used);
    if (n <= 0) {
        event_base_loopbreak(arg);
        return;
    }
    used += n;
    char *nl;
    while ((nl = memchr(line, '\n', used)) != NULL) {
        *nl = 0;
        if (!strcmp(line, "STATS") || !strcmp(line, "HEAP")) {
            /* heap: bytes malloc() has handed out and not got back (glibc mallinfo2), the C analogue of the
               JVM's used heap after a GC */
            printf("STATS conns=%ld heap=%zu alloc=-1\n", conns, mallinfo2().uordblks);
            fflush(stdout);
        } else if (!strcmp(line, "QUIT")) {
            event_base_loopbreak(arg);
        }
        used -= (nl + 1 - line);
        memmove(line, nl + 1, used);
    }
    if (used == sizeof line - 1) used = 0;
}

static int echo(void) {
    struct event_base *base = event_base_new();
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct evconnlistener *l = evconnlistener_new_bind(base, on_accept, NULL,
            LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, 511, (struct sockaddr *) &sa, sizeof sa);
    if (!l) { perror("bind"); return 2; }
    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    getsockname(evconnlistener_get_fd(l), (struct sockaddr *) &bound, &blen);
    struct event *ctl = event_new(base, 0, EV_READ | EV_PERSIST, on_control, base);
    event_add(ctl, NULL);
    printf("READY %d libevent-%s %s\n", ntohs(bound.sin_port), event_get_version(), event_base_get_method(base));
    fflush(stdout);
    event_base_dispatch(base);
    return 0;
}

/* ----------------------------------------------------------------------------------------- bench.c */

static int num_pipes, num_active, num_writes;
static int count, writes, fired, failures;
static evutil_socket_t *pipes;
static struct event *events;

static void bench_read(evutil_socket_t fd, short which, void *arg) {
    (void) which;
    long idx = (long) arg, widx = idx + 1;
    char ch;
    ssize_t n = read(fd, &ch, 1);
    if (n == 1) count++; else { failures++; return; }
    if (writes) {
        if (widx >= num_pipes) widx -= num_pipes;
        if (write(pipes[2 * widx + 1], "e", 1) != 1) failures++;
        writes--;
        fired++;
    }
}

static double run_once(struct event_base *base) {
    double ts = now_us();
    fired = 0;
    int space = num_pipes / num_active;
    for (int i = 0; i < num_active; i++, fired++)
        if (write(pipes[2 * (i * space) + 1], "e", 1) != 1) failures++;
    count = 0;
    writes = num_writes;
    do {
        event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    } while (count != fired && failures == 0);
    return now_us() - ts;
}

static int bench(int np, int na, int nw, int rounds, int use_pipes) {
    num_pipes = np; num_active = na; num_writes = nw;
    if (na < 1 || na > np || rounds < 1) { fprintf(stderr, "bad arguments\n"); return 2; }
    struct event_base *base = event_base_new();
    pipes = calloc(2 * np, sizeof *pipes);
    events = calloc(np, sizeof *events);
    for (int i = 0; i < np; i++) {
        if (use_pipes ? pipe(&pipes[2 * i]) < 0
                      : evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, &pipes[2 * i]) < 0) { perror("pair"); return 2; }
        evutil_make_socket_nonblocking(pipes[2 * i]);
        event_assign(&events[i], base, pipes[2 * i], EV_READ | EV_PERSIST, bench_read, (void *) (long) i);
        event_add(&events[i], NULL);
    }
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    for (int i = 0; i < rounds; i++) run_once(base);
    double total = 0;
    for (int i = 0; i < rounds; i++) total += run_once(base);
    if (failures) { fprintf(stderr, "%d failed reads or writes\n", failures); return 2; }
    printf("bench pipes=%d active=%d writes=%d rounds=%d pair=%s method=%s us=%.2f\n", np, na, nw, rounds,
           use_pipes ? "pipe" : "socketpair", event_base_get_method(base), total / rounds);
    return 0;
}

/* ------------------------------------------------------------------------------------------ timers */

static long timer_fired;

static void timer_cb(evutil_socket_t fd, short which, void *arg) {
    (void) fd; (void) which; (void) arg;
    timer_fired++;
}

static int timers(int n, int common) {
    struct event_base *base = event_base_new();
    struct event **ev = calloc(n > common ? n : common, sizeof *ev);
    struct timeval *tv = calloc(n, sizeof *tv), *tv_fire = calloc(n, sizeof *tv_fire);
    srand(42);
    for (int i = 0; i < n; i++) {
        long us = 1000000 + rand() % 1000000;
        tv[i].tv_sec = us / 1000000; tv[i].tv_usec = us % 1000000;
        tv_fire[i].tv_sec = 0; tv_fire[i].tv_usec = rand() % 1000;
    }
    for (int i = 0; i < (n > common ? n : common); i++) ev[i] = evtimer_new(base, timer_cb, NULL);

    double t0 = now_us();
    for (int i = 0; i < n; i++) evtimer_add(ev[i], &tv[i]);
    for (int i = 0; i < n; i++) evtimer_del(ev[i]);
    double add_remove = now_us() - t0;

    timer_fired = 0;
    t0 = now_us();
    for (int i = 0; i < n; i++) evtimer_add(ev[i], &tv_fire[i]);
    while (timer_fired < n) event_base_loop(base, EVLOOP_ONCE);
    double add_fire = now_us() - t0;

    struct timeval one_s = {1, 0}, one_ms = {0, 1000};
    const struct timeval *ct_s = event_base_init_common_timeout(base, &one_s);
    const struct timeval *ct_ms = event_base_init_common_timeout(base, &one_ms);
    t0 = now_us();
    for (int i = 0; i < common; i++) evtimer_add(ev[i], ct_s);
    for (int i = 0; i < common; i++) evtimer_del(ev[i]);
    double common_add_remove = now_us() - t0;

    timer_fired = 0;
    t0 = now_us();
    for (int i = 0; i < common; i++) evtimer_add(ev[i], ct_ms);
    while (timer_fired < common) event_base_loop(base, EVLOOP_ONCE);
    double common_add_fire = now_us() - t0;

    printf("timers n=%d common=%d addRemove=%.1f addFire=%.1f commonAddRemove=%.1f commonAddFire=%.1f\n",
           n, common, add_remove, add_fire, common_add_remove, common_add_fire);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && !strcmp(argv[1], "echo")) return echo();
    if ((argc == 6 || argc == 7) && !strcmp(argv[1], "bench"))
        return bench(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), argc == 7 && !strcmp(argv[6], "pipe"));
    if (argc == 4 && !strcmp(argv[1], "timers")) return timers(atoi(argv[2]), atoi(argv[3]));
    fprintf(stderr, "usage: levent echo | bench PIPES ACTIVE WRITES ROUNDS [pipe] | timers N COMMON\n");
    return 2;
}
