/* The ICMP series of /metrics (communet_exporter.metrics.render_slice), compiled: at 10,000
 * targets they are 80,000 of the 13 MB's lines, and the interpreter spends ~10 us per
 * target formatting them (a third of a core for a scrape on a slow day); here it is about
 * a microsecond. The text is byte for byte what the Python lines are (the tests compare
 * both): floats as Python's repr (PyOS_double_to_string 'r'), integers in decimal.
 *
 * The counters are read from the pinger's records (communet.probe.icmp._Records): from
 * word `first_word` on, answered, sent, received, RTT sum (double), last RTT, jitter
 * (double), duplicates, late, then one count per bucket (not cumulative).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

typedef struct {
    char *data;
    Py_ssize_t used, size;
} Text;

static int reserve(Text *text, Py_ssize_t more) {
    if (text->used + more <= text->size) {
        return 1;
    }
    Py_ssize_t size = text->size ? text->size : 1 << 16;
    while (size < text->used + more) {
        size *= 2;
    }
    char *data = PyMem_Realloc(text->data, (size_t)size);
    if (data == NULL) {
        PyErr_NoMemory();
        return 0;
    }
    text->data = data;
    text->size = size;
    return 1;
}

/* The writers below never check for room: render() reserves a target's worst case first
 * (its label text times the lines, plus LINE_ROOM per line). */
enum { LINE_ROOM = 160 }; /* a name (<= 40), ,le="", "} ", a value (<= 32), "\n" */

static void put(Text *text, const char *bytes, Py_ssize_t length) {
    memcpy(text->data + text->used, bytes, (size_t)length);
    text->used += length;
}

#define PUT_LITERAL(text, literal) put((text), (literal), (Py_ssize_t)sizeof(literal) - 1)

static void put_count(Text *text, uint64_t value) { /* decimal, as str(int) */
    char digits[20];
    int at = (int)sizeof digits;
    do {
        digits[--at] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    put(text, digits + at, (Py_ssize_t)sizeof digits - at);
}

static int put_float(Text *text, double value) { /* repr(float): the shortest round trip */
    char *digits = PyOS_double_to_string(value, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (digits == NULL) {
        return 0;
    }
    size_t length = strlen(digits);
    if (length > 32) { /* cannot happen: repr of a double is at most 24 characters */
        PyMem_Free(digits);
        PyErr_SetString(PyExc_SystemError, "render: a float's repr is longer than expected");
        return 0;
    }
    put(text, digits, (Py_ssize_t)length);
    PyMem_Free(digits);
    return 1;
}

/* name{labels} or name{labels,le="bound"}, then the space before the value */
#define PUT_SERIES(text, name, labels, length)                                               \
    do {                                                                                     \
        PUT_LITERAL((text), name "{");                                                      \
        put((text), (labels), (length));                                                     \
        PUT_LITERAL((text), "} ");                                                          \
    } while (0)

static void put_bucket(Text *text, const char *labels, Py_ssize_t length, const char *bound,
                       Py_ssize_t bound_length) {
    PUT_LITERAL(text, "communet_icmp_rtt_seconds_bucket{");
    put(text, labels, length);
    PUT_LITERAL(text, ",le=\"");
    put(text, bound, bound_length);
    PUT_LITERAL(text, "\"} ");
}

static double as_double(uint64_t word) {
    double value;
    memcpy(&value, &word, sizeof value);
    return value;
}

PyDoc_STRVAR(render_doc,
"render(records, record_size, first_word, slots, labels, bounds, recent)\n"
"-> (requests, histogram, jitter, up, down, unknown)\n"
"\n"
"The lines of communet_icmp_requests_total, communet_icmp_rtt_seconds and\n"
"communet_icmp_jitter_seconds for the targets in slots (their records), with labels (one\n"
"label text per target) and bounds (the bucket bounds' texts); the targets by state:\n"
"unknown under 2 echoes sent, up if any echo in the recent mask was answered, else down.");

static PyObject *render(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer records, slots;
    Py_ssize_t record_size, first_word;
    PyObject *labels, *bounds;
    unsigned long long recent;
    if (!PyArg_ParseTuple(args, "y*nny*O!O!K", &records, &record_size, &first_word, &slots,
                          &PyList_Type, &labels, &PyTuple_Type, &bounds, &recent)) {
        return NULL;
    }
    PyObject *result = NULL;
    Text requests = {0}, histogram = {0}, jitter = {0};
    Py_ssize_t count = slots.len / 8, bound_count = PyTuple_GET_SIZE(bounds);
    Py_ssize_t words = first_word + 8 + bound_count + 1;
    Py_ssize_t capacity = record_size > 0 ? records.len / record_size : 0;
    Py_ssize_t up = 0, down = 0, unknown = 0;
    if (slots.itemsize != 8 || slots.len % 8 || PyList_GET_SIZE(labels) != count ||
        record_size % 8 || first_word < 0 || words * 8 > record_size) {
        PyErr_SetString(PyExc_ValueError, "render: sizes do not fit the buffers");
        goto done;
    }
    const char *bound_text[16];
    Py_ssize_t bound_length[16], bounds_room = 0;
    if (bound_count > 16) {
        PyErr_SetString(PyExc_ValueError, "render: at most 16 bucket bounds");
        goto done;
    }
    for (Py_ssize_t bucket = 0; bucket < bound_count; bucket++) {
        bound_text[bucket] =
            PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(bounds, bucket), &bound_length[bucket]);
        if (bound_text[bucket] == NULL) {
            goto done;
        }
        bounds_room += bound_length[bucket];
    }
    if (count > 0) { /* room for all, sized by the first target's labels: no copying later */
        Py_ssize_t first = PyUnicode_GET_LENGTH(PyList_GET_ITEM(labels, 0)) + 72;
        if (!reserve(&requests, count * first) ||
            !reserve(&histogram, count * ((bound_count + 3) * first + bounds_room)) ||
            !reserve(&jitter, count * first)) {
            goto done;
        }
    }
    const uint64_t *slot_of = (const uint64_t *)slots.buf;
    for (Py_ssize_t index = 0; index < count; index++) {
        if (slot_of[index] >= (uint64_t)capacity) {
            PyErr_Format(PyExc_IndexError, "render: slot %llu is not a record",
                         (unsigned long long)slot_of[index]);
            goto done;
        }
        Py_ssize_t length;
        const char *label = PyUnicode_AsUTF8AndSize(PyList_GET_ITEM(labels, index), &length);
        if (label == NULL) {
            goto done;
        }
        Py_ssize_t lines = bound_count + 3;
        if (!reserve(&requests, length + LINE_ROOM) ||
            !reserve(&histogram, lines * (length + LINE_ROOM) + bounds_room) ||
            !reserve(&jitter, length + LINE_ROOM)) {
            goto done;
        }
        const uint64_t *values =
            (const uint64_t *)((const char *)records.buf + slot_of[index] * record_size) +
            first_word;
        uint64_t sent = values[1], received = values[2];
        if (sent < 2) {
            unknown++;
        } else if (values[0] & recent) {
            up++;
        } else {
            down++;
        }
        PUT_SERIES(&requests, "communet_icmp_requests_total", label, length);
        put_count(&requests, sent);
        PUT_LITERAL(&requests, "\n");
        uint64_t cumulative = 0;
        for (Py_ssize_t bucket = 0; bucket < bound_count; bucket++) {
            cumulative += values[8 + bucket];
            put_bucket(&histogram, label, length, bound_text[bucket], bound_length[bucket]);
            put_count(&histogram, cumulative);
            PUT_LITERAL(&histogram, "\n");
        }
        put_bucket(&histogram, label, length, "+Inf", 4);
        put_count(&histogram, received);
        PUT_LITERAL(&histogram, "\n");
        PUT_SERIES(&histogram, "communet_icmp_rtt_seconds_sum", label, length);
        if (!put_float(&histogram, as_double(values[3]))) {
            goto done;
        }
        PUT_LITERAL(&histogram, "\n");
        PUT_SERIES(&histogram, "communet_icmp_rtt_seconds_count", label, length);
        put_count(&histogram, received);
        PUT_LITERAL(&histogram, "\n");
        PUT_SERIES(&jitter, "communet_icmp_jitter_seconds", label, length);
        if (!put_float(&jitter, as_double(values[5]))) {
            goto done;
        }
        PUT_LITERAL(&jitter, "\n");
    }
    result = Py_BuildValue("(s#s#s#nnn)", requests.data ? requests.data : "", requests.used,
                           histogram.data ? histogram.data : "", histogram.used,
                           jitter.data ? jitter.data : "", jitter.used, up, down, unknown);
done:
    PyMem_Free(requests.data);
    PyMem_Free(histogram.data);
    PyMem_Free(jitter.data);
    PyBuffer_Release(&records);
    PyBuffer_Release(&slots);
    return result;
}

static PyMethodDef methods[] = {
    {"render", render, METH_VARARGS, render_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_render",
    "The ICMP series of the exporter's /metrics, compiled.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__render(void) { return PyModule_Create(&module); }
