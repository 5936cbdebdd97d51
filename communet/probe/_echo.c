/* The two per-echo loops of communet.probe.icmp.Pinger, compiled: writing a tick's echo
 * requests into the sendmmsg slots (pack) and booking the replies a recvmmsg call read
 * (book). Both work on the buffers the Python side owns and lays out (the records of
 * _Records, mmsg's slots, the ring of send chunks); the Python methods they replace stay as
 * the reference and the fallback where this module was not built (Pinger(native=False)
 * runs them; the tests run both on the same sockets).
 *
 * Why: at 10,000 targets every echo costs the interpreter ~3 us in these loops (unpacking,
 * int objects, struct calls), a third of the probing budget; here it is a few dozen ns, and
 * the kernel's send and receive are what is left. Nothing here is a policy: a reply that is
 * not an ordinary in-time reply of ours (another length, another run, late, duplicate,
 * foreign) is handed back by index and booked by Python's _match, which is the single
 * place those rules live.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h> /* first, as Python asks; it defines _GNU_SOURCE (struct mmsghdr) */

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* A target's record (see icmp.py): 8-byte words. */
enum {
    W_KEY = 0,
    W_PARTIAL = 1,
    W_SEQUENCE = 2,
    W_ANSWERED = 3,
    W_SENT = 4,
    W_RECEIVED = 5,
    W_RTT_SUM = 6,
    W_LAST_RTT = 7,
    W_JITTER = 8,
    W_FIRST_BUCKET = 11,
};
enum { ECHO_REQUEST = 8, ECHO_REPLY = 0, WINDOW = 64, MESSAGE_SIZE = 24, NAME_SIZE = 16 };

static uint16_t read16(const unsigned char *at) {
    uint16_t value;
    memcpy(&value, at, sizeof value);
    return ntohs(value);
}

static uint32_t read32(const unsigned char *at) {
    uint32_t value;
    memcpy(&value, at, sizeof value);
    return ntohl(value);
}

static void write16(unsigned char *at, uint16_t value) {
    value = htons(value);
    memcpy(at, &value, sizeof value);
}

static void write32(unsigned char *at, uint32_t value) {
    value = htonl(value);
    memcpy(at, &value, sizeof value);
}

static double word_double(const uint64_t *record, int word) {
    double value;
    memcpy(&value, record + word, sizeof value);
    return value;
}

static void set_word_double(uint64_t *record, int word, double value) {
    memcpy(record + word, &value, sizeof value);
}

/* A buffer of 8-byte items (an array of slots or of ring entries). */
static int eight_byte_items(const Py_buffer *view, const char *what) {
    if (view->itemsize != 8 || view->len % 8) {
        PyErr_Format(PyExc_TypeError, "%s: a buffer of 8-byte items is expected", what);
        return 0;
    }
    return 1;
}

PyDoc_STRVAR(pack_doc,
"pack(records, record_size, slots, first, count, out, step, chunk_sum, identifier, chunk, run)\n"
"\n"
"Write the echo requests of slots[first:first + count] into the send slots of out (one\n"
"every step bytes: the sockaddr_in's address from byte 4, then the message) and advance\n"
"each target's record: next sequence, answered window, sent.");

static PyObject *pack(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer records, slots, out;
    Py_ssize_t record_size, first, count, step;
    unsigned long long chunk_sum;
    unsigned int identifier, chunk, run;
    if (!PyArg_ParseTuple(args, "w*ny*nnw*nKIII", &records, &record_size, &slots, &first,
                          &count, &out, &step, &chunk_sum, &identifier, &chunk, &run)) {
        return NULL;
    }
    PyObject *result = NULL;
    if (!eight_byte_items(&slots, "slots")) {
        goto done;
    }
    Py_ssize_t capacity = record_size > 0 ? records.len / record_size : 0;
    if (record_size % 8 || first < 0 || count < 0 || first + count > slots.len / 8 ||
        step < NAME_SIZE + MESSAGE_SIZE || count * step > out.len) {
        PyErr_SetString(PyExc_ValueError, "pack: sizes do not fit the buffers");
        goto done;
    }
    const uint64_t *slot_of = (const uint64_t *)slots.buf + first;
    for (Py_ssize_t index = 0; index < count; index++) {
        if (slot_of[index] >= (uint64_t)capacity) {
            PyErr_Format(PyExc_IndexError, "pack: slot %llu is not a record",
                         (unsigned long long)slot_of[index]);
            goto done;
        }
    }
    unsigned char *at = (unsigned char *)out.buf;
    for (Py_ssize_t index = 0; index < count; index++, at += step) {
        uint64_t slot = slot_of[index];
        uint64_t *record = (uint64_t *)((char *)records.buf + slot * (uint64_t)record_size);
        uint64_t key = record[W_KEY], sequence = record[W_SEQUENCE];
        record[W_SEQUENCE] = (sequence + 1) & 0xFFFF;
        record[W_ANSWERED] <<= 1; /* WINDOW is 64: the shift drops the oldest */
        record[W_SENT] += 1;
        uint64_t total = chunk_sum + record[W_PARTIAL] + sequence;
        total = (total & 0xFFFF) + (total >> 16);
        total = (total & 0xFFFF) + (total >> 16);
        write32(at + 4, (uint32_t)key); /* sin_addr */
        memset(at + 8, 0, 8);             /* sin_zero */
        unsigned char *message = at + NAME_SIZE;
        message[0] = ECHO_REQUEST;
        message[1] = 0;
        write16(message + 2, (uint16_t)(~total & 0xFFFF));
        write16(message + 4, (uint16_t)identifier);
        write16(message + 6, (uint16_t)sequence);
        write32(message + 8, (uint32_t)slot);
        write32(message + 12, (uint32_t)(key >> 32));
        write32(message + 16, chunk);
        write32(message + 20, run);
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&records);
    PyBuffer_Release(&slots);
    PyBuffer_Release(&out);
    return result;
}

/* How many bounds lie below rtt (bisect_left over the sorted bounds). */
static Py_ssize_t bucket_of(const double *bounds, Py_ssize_t count, double rtt) {
    Py_ssize_t index = 0;
    while (index < count && bounds[index] < rtt) {
        index++;
    }
    return index;
}

static int64_t now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/* The kernel's receive time of a reply (SO_TIMESTAMPNS), else now, as time.time_ns(). */
static int64_t arrival_of(const unsigned char *control, Py_ssize_t control_size) {
    struct cmsghdr header;
    if ((size_t)control_size < CMSG_SPACE(sizeof(struct timespec))) {
        return now_ns();
    }
    memcpy(&header, control, sizeof header);
    if (header.cmsg_level != SOL_SOCKET || header.cmsg_type != SO_TIMESTAMPNS) {
        return now_ns();
    }
    struct timespec stamp;
    memcpy(&stamp, control + CMSG_LEN(0), sizeof stamp);
    return (int64_t)stamp.tv_sec * 1000000000 + stamp.tv_nsec;
}

typedef struct {
    Py_buffer records, headers, data, control, ids, sent_at, replies;
} BookBuffers;

static void release(BookBuffers *b) {
    PyBuffer_Release(&b->records);
    PyBuffer_Release(&b->headers);
    PyBuffer_Release(&b->data);
    PyBuffer_Release(&b->control);
    PyBuffer_Release(&b->ids);
    PyBuffer_Release(&b->sent_at);
    PyBuffer_Release(&b->replies);
}

PyDoc_STRVAR(book_doc,
"book(records, record_size, buckets, headers, data, slot_size, control, control_size, count,\n"
"     ip_header, identifier, run, ring_ids, ring_sent_at, ring_replies, timeout_ns, observe)\n"
"-> (in_time, others, observed)\n"
"\n"
"Book the count replies of a recvmmsg call (its mmsghdr array, its name-then-datagram\n"
"slots, its control slots) that are ordinary replies of this run in time: the target's\n"
"record, the chunk's reply count. others: the indices of the replies left for Python\n"
"(another length, another run, late, duplicate, foreign); observed: (slot, sequence, RTT)\n"
"of each booked reply if observe, else None.");

static PyObject *book(PyObject *self, PyObject *args) {
    (void)self;
    BookBuffers b;
    memset(&b, 0, sizeof b);
    Py_ssize_t record_size, slot_size, control_size, count, ip_header;
    PyObject *buckets;
    unsigned int identifier, run;
    long long timeout_ns;
    int observe;
    if (!PyArg_ParseTuple(args, "w*nO!y*y*ny*nnnIIy*y*w*Lp", &b.records, &record_size,
                          &PyTuple_Type, &buckets, &b.headers, &b.data, &slot_size, &b.control,
                          &control_size, &count, &ip_header, &identifier, &run, &b.ids,
                          &b.sent_at, &b.replies, &timeout_ns, &observe)) {
        release(&b);
        return NULL;
    }
    PyObject *others = NULL, *observed = NULL, *result = NULL;
    double bounds[16];
    Py_ssize_t bound_count = PyTuple_GET_SIZE(buckets);
    Py_ssize_t capacity = record_size > 0 ? b.records.len / record_size : 0;
    Py_ssize_t reply_length = ip_header + MESSAGE_SIZE;
    if (bound_count > 16 || record_size < 8 * (W_FIRST_BUCKET + bound_count + 1) ||
        record_size % 8 || count < 0 || ip_header < 0 ||
        slot_size < NAME_SIZE + reply_length || control_size < 0 ||
        b.headers.len < count * (Py_ssize_t)sizeof(struct mmsghdr) ||
        b.data.len < count * slot_size || b.control.len < count * control_size) {
        PyErr_SetString(PyExc_ValueError, "book: sizes do not fit the buffers");
        goto done;
    }
    if (!eight_byte_items(&b.ids, "ring_ids") || !eight_byte_items(&b.sent_at, "ring_sent_at") ||
        !eight_byte_items(&b.replies, "ring_replies")) {
        goto done;
    }
    Py_ssize_t ring = b.ids.len / 8;
    if (ring == 0 || (ring & (ring - 1)) || b.sent_at.len != b.ids.len ||
        b.replies.len != b.ids.len) {
        PyErr_SetString(PyExc_ValueError, "book: the ring's arrays differ or are no power of 2");
        goto done;
    }
    for (Py_ssize_t index = 0; index < bound_count; index++) {
        bounds[index] = PyFloat_AsDouble(PyTuple_GET_ITEM(buckets, index));
        if (bounds[index] == -1.0 && PyErr_Occurred()) {
            goto done;
        }
    }
    others = PyList_New(0);
    observed = observe ? PyList_New(0) : Py_NewRef(Py_None);
    if (others == NULL || observed == NULL) {
        goto done;
    }
    const struct mmsghdr *headers = (const struct mmsghdr *)b.headers.buf;
    const int64_t *ids = (const int64_t *)b.ids.buf, *sent_at = (const int64_t *)b.sent_at.buf;
    int64_t *replies = (int64_t *)b.replies.buf;
    uint64_t mask = (uint64_t)ring - 1;
    Py_ssize_t in_time = 0;
    for (Py_ssize_t index = 0; index < count; index++) {
        const unsigned char *slot_at = (const unsigned char *)b.data.buf + index * slot_size;
        const unsigned char *message = slot_at + NAME_SIZE + ip_header;
        int ordinary = headers[index].msg_len == (unsigned int)reply_length;
        if (ordinary && (message[0] != ECHO_REPLY || read16(message + 4) != identifier)) {
            continue; /* not ours (a raw socket sees every echo reply to this host) */
        }
        uint32_t slot = read32(message + 8), serial = read32(message + 12);
        uint32_t chunk = read32(message + 16);
        uint16_t sequence = read16(message + 6);
        uint64_t *record = NULL;
        int64_t arrival = 0, sent_ns = 0;
        uint64_t distance = 0, position = chunk & mask;
        int booked = 0;
        if (ordinary && read32(message + 20) == run && slot < (uint64_t)capacity) {
            record = (uint64_t *)((char *)b.records.buf + (uint64_t)slot * record_size);
            arrival = arrival_of((const unsigned char *)b.control.buf + index * control_size,
                                 control_size);
            distance = (record[W_SEQUENCE] - 1 - sequence) & 0xFFFF;
            sent_ns = sent_at[position];
            uint64_t key = (uint64_t)serial << 32 | read32(slot_at + 4);
            booked = record[W_KEY] == key && distance < WINDOW && distance < record[W_SENT] &&
                     !(record[W_ANSWERED] >> distance & 1) && ids[position] == (int64_t)chunk &&
                     arrival - sent_ns <= timeout_ns;
        }
        if (!booked) { /* another length, run or target, late, duplicate: Python's rules */
            PyObject *number = PyLong_FromSsize_t(index);
            if (number == NULL || PyList_Append(others, number) < 0) {
                Py_XDECREF(number);
                goto done;
            }
            Py_DECREF(number);
            continue;
        }
        replies[position] += 1;
        double rtt = arrival > sent_ns ? (double)(arrival - sent_ns) / 1e9 : 0.0;
        double last = word_double(record, W_LAST_RTT);
        double jitter = word_double(record, W_JITTER);
        if (last >= 0.0) { /* a reply before this one */
            jitter += (fabs(rtt - last) - jitter) / 16;
        }
        record[W_ANSWERED] |= (uint64_t)1 << distance;
        record[W_RECEIVED] += 1;
        set_word_double(record, W_RTT_SUM, word_double(record, W_RTT_SUM) + rtt);
        set_word_double(record, W_LAST_RTT, rtt);
        set_word_double(record, W_JITTER, jitter);
        record[W_FIRST_BUCKET + bucket_of(bounds, bound_count, rtt)] += 1;
        in_time++;
        if (observe) {
            PyObject *entry = Py_BuildValue("(IHd)", slot, sequence, rtt);
            if (entry == NULL || PyList_Append(observed, entry) < 0) {
                Py_XDECREF(entry);
                goto done;
            }
            Py_DECREF(entry);
        }
    }
    result = Py_BuildValue("(nOO)", in_time, others, observed);
done:
    Py_XDECREF(others);
    Py_XDECREF(observed);
    release(&b);
    return result;
}

static PyMethodDef methods[] = {
    {"pack", pack, METH_VARARGS, pack_doc},
    {"book", book, METH_VARARGS, book_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_echo",
    "The per-echo loops of communet.probe.icmp.Pinger, compiled.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__echo(void) { return PyModule_Create(&module); }
