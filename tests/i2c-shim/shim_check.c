/* SPDX-License-Identifier: Apache-2.0 */
/* Checks of the i2c-dev LD_PRELOAD shim itself, run under it against an
 * emulator: plain i2c-dev calls as NXP's i2c_a7.c / our bus_i2cdev.c make
 * them. Exit 0 = all passed.
 *   LD_PRELOAD=libse05x_i2c_shim.so SE05X_SHIM_TARGET=127.0.0.1:PORT shim_check */
#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, what)                                                                      \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "shim_check: FAIL: %s (errno %d)\n", what, errno);                 \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

/* read() until n bytes came, NACKs polled every 1 ms for at most 2 s */
static int read_poll(int fd, unsigned char *b, size_t n)
{
    size_t got = 0;
    for (int i = 0; i < 2000 && got < n; i++) {
        ssize_t r = read(fd, b + got, n - got);
        if (r > 0) {
            got += (size_t)r;
            continue;
        }
        if (errno != EREMOTEIO)
            return -1;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return got == n ? 0 : -1;
}

int main(void)
{
    static const unsigned char resync[] = {0x5A, 0xC0, 0x00, 0xFF, 0xFC};
    static const unsigned char resync_rsp[] = {0xA5, 0xE0, 0x00, 0x3F, 0x19};
    static const unsigned char getatr[] = {0x5A, 0xC7, 0x00, 0xF7, 0xB1};
    unsigned char b[300];

    /* a path that is not an i2c device passes through untouched */
    int other = open("/dev/null", O_RDONLY);
    CHECK(other >= 0 && read(other, b, 4) == 0, "/dev/null passes through");
    close(other);

    int fd = open("/dev/i2c-1", O_RDWR);
    CHECK(fd >= 0, "open /dev/i2c-1");
    unsigned long funcs = 0;
    CHECK(ioctl(fd, I2C_FUNCS, &funcs) == 0 && (funcs & I2C_FUNC_I2C), "I2C_FUNCS has I2C_FUNC_I2C");

    /* wrong slave address: every transfer NACKs */
    CHECK(ioctl(fd, I2C_SLAVE, 0x49) == 0, "I2C_SLAVE 0x49");
    errno = 0;
    CHECK(write(fd, resync, sizeof(resync)) < 0 && errno == EREMOTEIO, "write to 0x49 NACKs");
    CHECK(ioctl(fd, I2C_SLAVE, 0x48) == 0, "I2C_SLAVE 0x48");

    /* nothing pending: a read NACKs at once instead of blocking */
    errno = 0;
    CHECK(read(fd, b, 3) < 0 && errno == EREMOTEIO, "read with nothing pending NACKs");

    /* NXP split: 2 bytes (NAD PCB), 1 byte (LEN), then LEN + 2 */
    CHECK(write(fd, resync, sizeof(resync)) == (ssize_t)sizeof(resync), "write S(RESYNCH)");
    CHECK(read_poll(fd, b, 2) == 0 && b[0] == 0xA5 && b[1] == 0xE0, "2-byte read NAD PCB");
    CHECK(read_poll(fd, b + 2, 1) == 0 && b[2] == 0x00, "1-byte read LEN");
    CHECK(read_poll(fd, b + 3, 2) == 0 && memcmp(b, resync_rsp, 5) == 0, "CRC read");
    errno = 0;
    CHECK(read(fd, b, 1) < 0 && errno == EREMOTEIO, "block consumed: NACK again");

    /* Nitrokey split: 3-byte header, then LEN, then 2 */
    CHECK(write(fd, getatr, sizeof(getatr)) == (ssize_t)sizeof(getatr), "write S(GET ATR)");
    CHECK(read_poll(fd, b, 3) == 0 && b[0] == 0xA5 && b[1] == 0xE7 && b[2] == 35, "ATR header");
    CHECK(read_poll(fd, b + 3, 35) == 0 && b[3] == 0x00 && b[4] == 0xA0, "ATR body");
    CHECK(read_poll(fd, b + 38, 2) == 0, "ATR CRC");

    /* NXP open's 260-byte "clear read buffer" read returns what is pending, then NACK */
    CHECK(write(fd, resync, sizeof(resync)) == (ssize_t)sizeof(resync), "write S(RESYNCH) again");
    ssize_t r = -1;
    for (int i = 0; i < 2000 && r < 0; i++) {
        r = read(fd, b, 260);
        if (r < 0) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
    CHECK(r == 5 && memcmp(b, resync_rsp, 5) == 0, "260-byte read returns the 5 pending bytes");
    /* I2C_PEC as a real i2c-dev answers it (NXP's host code sets PEC 0):
     * accepted with 0 and 1, no effect on plain read/write transfers */
    CHECK(ioctl(fd, I2C_PEC, 0) == 0, "I2C_PEC 0 accepted");
    CHECK(ioctl(fd, I2C_PEC, 1) == 0, "I2C_PEC 1 accepted");
    CHECK(write(fd, resync, sizeof(resync)) == 5 && read_poll(fd, b, 5) == 0 && memcmp(b, resync_rsp, 5) == 0,
          "RESYNCH unchanged after I2C_PEC 1");
    CHECK(ioctl(fd, I2C_PEC, 0) == 0, "I2C_PEC back to 0");
    errno = 0;
    CHECK(ioctl(fd, I2C_RDWR, NULL) < 0 && errno == ENOTTY, "an unsupported request still fails with ENOTTY");
    CHECK(close(fd) == 0, "close");

    /* a second open gets a fresh connection */
    fd = open("/dev/i2c-1", O_RDWR);
    CHECK(fd >= 0 && ioctl(fd, I2C_SLAVE, 0x48) == 0, "reopen");
    CHECK(write(fd, resync, sizeof(resync)) == 5 && read_poll(fd, b, 5) == 0 &&
              memcmp(b, resync_rsp, 5) == 0,
          "RESYNCH after reopen");
    close(fd);
    if (failures)
        return 1;
    printf("shim_check: ok\n");
    return 0;
}
