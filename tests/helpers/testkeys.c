/* SPDX-License-Identifier: Apache-2.0 */
/* Fixed RSA key pairs for the unit tests, generated once with
 * `openssl genpkey -algorithm RSA` for this purpose only (they protect
 * nothing). Why fixed: RSA key generation dominates the unit tests' time
 * under qemu-user (scripts/cross), where one 2048-bit key takes seconds to
 * minutes depending on the prime search; a test's meaning does not depend
 * on its RSA key being fresh. EC keys are cheap and stay generated. */
#include <string.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include "testkeys.h"

static const char RSA2048_0[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDJcu9UgI9qIPr7\n"
    "qwF1hQ2As2oehrAEwJSgvRw6vIYibsd66hh86/1v5jhym5bCk4lqtP8Zj1jpnrN7\n"
    "Km3+J0GYvrcyCtUMBAtPchlRcNI1morRa0eqgtVip29KUjT5h5BsojIu0xd06wXT\n"
    "nVGFhUMx61QnBqWIeL67NFpn6FHASC68Ih7/lstcNtIiXjiFA3OLqCqnmO47iDeG\n"
    "xIO7z9Q1ZoW6wgBEorFiZVKqIzIQBm3GW6rBl84JiopgPx4ARvLrxrqOkFATyH+x\n"
    "MhMnGzBzF0mpkwt9WBUI8Cn1Qa7UYhVof2rj0RitezBOIaUMhLfFaRr6H5VwVy2W\n"
    "9ga+bHS1AgMBAAECggEAB2+Bm/ne0UkEWpO2SxMtK2nz6cqI5rQBCGnSh+x7evvh\n"
    "ywym+L1xLlcuEDTj/Kybbt/dZqEe5AiikVJAmxfx2OR5OJSjxnzDuhv5CUODzsy0\n"
    "gQRXsdiAbdLGTdT49ZjmYMwf1BCglgUywtvUrXv8vfP0uDgLlhz21UwaZilyEwnG\n"
    "RB9Z0rSoLsW4kk5Z4WLj6vEfq4FewypOIxcTCDrpBcoCMzcXnFYvyUMTDc+zl92R\n"
    "nciKOhZxHLiwVwZlGLRhioNEsVYe/rK5jxNM1U18iC3iCc+J1OXOFt/Sm2fzYUx2\n"
    "PaJXx4U6g6/zIBG8T0AtaABuFuKUzn5T2uoQ4qgyBQKBgQDjzLSFh6ZtEypCqxFf\n"
    "epVrLdqanEMePJZ1UHQ7LXlLmyUfuYO9pZBLZ3SNVD1Ol1GaOLrNsRKSdxHg43JI\n"
    "mb47dZzPB4KKG8JztcMIosv1tSrvekD39D6K9DPO6kpPXHaqSS2wCZZ6o7RmAHAk\n"
    "pqqLCID0CuUAHOcvCNoBT+ZhXwKBgQDiYyO8mQM3t9ywe1RyoE7H7zUauCZEWdgd\n"
    "tlgaEJ6TiOVvMDNFwDe+Mas1NW82K28j1w6bYlx3qmjjFrQOiZ5itDMa+w/a1hUM\n"
    "G/Apdf0fr2F7V3l7hOeyAy1vjKdIeiii4kzRaJFksBciWeDfbwIAsbTQwabF5Lnu\n"
    "jKLeTet+awKBgQCCvSC6JkFZBo/RlXayEpug2L9GzvoiZ2l+yP78W7vqrY8f5wv6\n"
    "EwR+klCtMDTDX0tBNN/ZX5AmKVpEdKVJj5tDatvlYg0EkKwIVsApu61NRn3u1X5m\n"
    "EHK4szDsx0CAzbN5ReiHyOjpV/0YMZYrItBsXSQNbBdD+lKghvb/m8jABwKBgGEy\n"
    "w6Mz5wfDL0OukAFvBqQc9iX0rqlmEb4gDg+S1yLtAeUNQtZNwyEr3iBIQul1GJDA\n"
    "wwq/3oeaaNIna0NanuAuEkshRBtnEz5RuHl0qSszd50nX4dC9t+dMaLVNvWNTWkx\n"
    "1F2MkfAzEpuzDzOfS7LUmZePrXUF0Ta0tzDPL67lAoGBAJBLPg1Zfc48El2AznXJ\n"
    "ZCoNJPnsMJruqhXwNqMM71DvV3wlK41xxT81DPcZ8EmXHShIeD+hRWQ2y1sR+SP/\n"
    "GuZ9W4U6crqqN2vTYKoXsR7CV+xHMKc5q+V9y4HlSxDDEKZGJI2wYT3Zk6nIfV6P\n"
    "nS9JGo/kcpcc7pxhUu/jKGgV\n"
    "-----END PRIVATE KEY-----\n";

static const char RSA2048_1[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCxxpm1WqVCQk/g\n"
    "X708dploaPpInAWgsbIp338F1Cktd6V7gV3ZYOsxRbkk/r1zZSuxLhZNzb3iC8ZG\n"
    "AMLrVYMvnnBxToh//m4x69CQ3M4mtqt2WFap3v3Sbhjuijb/AVgnIeACcLaO365K\n"
    "HJi8N0F6RiPVQ/WZB0rg8TdxBdegCsgZXv+1Oqatg1cUdf69ydsGcdwPLFamnmuR\n"
    "EcSDZNwOKv/rNBBJ8SpOlPm7x7Vsj7HroBRQoBwx1KmgNm18IltJKe7hqME+awDl\n"
    "J88EYIhahVlJiRC4894i1ec0J2ZFgZouOe9WYpY+sGY64t2RT6N8Sy5/EVNA3bIF\n"
    "BSLcI51LAgMBAAECggEAAiW3I0DRUk/YL0Naj/mSGD8LCR0oAj7zOyOxy7NIoLaw\n"
    "pkwzrZzIzgpj1mW5+/zmWu2xarhkbNNIlYvFJEx0StB01q/BGceTJRAAL8Q0ytEH\n"
    "tQ9Mb8vYBc9l287feROeIs37OPxSxYWVJqN2yfCNJWus6a8qEqtnfdwxXtstfMBv\n"
    "aEccEzamh0I8lSbS5cdcgiB+cILXGl78yEjsrcd0oISY9dlkpQ35FTyveFZ3XGFC\n"
    "3P8uuFW/UKzBKTV7Kv1KDG+9uqNc2io9epm0dQKBBMH5XM5/jjD58GIAJ63Hvv5t\n"
    "H1DSLe3mGDFBATnXpoSGAGMwx4Z9FoiN72F4PsSPLQKBgQDsIVBXxpHX6fksAS9z\n"
    "9J5k3DrPEZLNxRp+LD2lMZxTjtQeCsWQjzCW/8BQqxMzUWH/x6+rWaWSLtCQ26WW\n"
    "XURBvOmtZzuRPPQTZB/NZZBsB+vqvYNo8wQvm8BTxS4knhva87SqDb5MG/JPcJel\n"
    "6G7syzEfi3ttABpoiE46VV9o3wKBgQDAvDlx8nww+nLPRLHfxMGVe9Wrqo84nJFe\n"
    "zFGXhOhT5ql/cHW9xACwKmFgWUFRFx1XAR+y3zhP6phst7W/Kclxwrh3wdSRaMtJ\n"
    "SnZjztTFzYIgcnKFZYBkn9x3mYnaw0d0Ujx9wqSIjn+uwS40wiv8VuveCBsnX4v2\n"
    "IIr56aldFQKBgAR+McgpyBaiphIXR67eJbFnm1rbS77MlE94Sgf9pKrWWeTkcZPp\n"
    "lZQZ86/VQX1FfCbgxs/s2cCpUWCgPUtaJPVXQd8BytldnotL6WsAFrpngC6sQnbZ\n"
    "wOejAArYAqPBumf1ISfnMQrDsV2fl9MZVBr/VsTx43xUdywsA8kKXNFjAoGASheR\n"
    "1dYsHAALptZ3sthGuxqR955n1JGL6O+O5jq3vZlMy6sF+F+jDBYevRVS4MOMCehq\n"
    "sS7SzRYYZqLxAX4k7NC4bYFcIFIy5Af2H0Rh03C/d43HrLRqeURjUq75qdmsXHFI\n"
    "w+fRrJVrTFkDVFDY6/bWUdK37ZjzizjTdGN5MkkCgYEAo6dyAOacOmYsfrMzm0nq\n"
    "fdJkRZhIok8OpxR589bXf0Ixx5ZUU8O7Wx3F8Y8W4R46eU6dXVnpdruUyeACL8ac\n"
    "wyDU3bg7uPVLDB4KLiV7LvTws4S8CwRji61PqpQ/GUFfxPhIDPpLlkBqf5uNMhrR\n"
    "YEGUwecl90bk2D8ZpK1Qw0o=\n"
    "-----END PRIVATE KEY-----\n";

static const char RSA1024_0[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBALWiNHffk/0ef9ht\n"
    "b5ZTotsozoGQX9nw+q8PVdDZ52JZVl0NOarCFFr6gRUhacwo8JYPzzX/MA2UBcK0\n"
    "+gp/gtgoeaCQfT9oH7zwNkisY2rVlMQiu02I38eqSnilVGnQBj5lyARhsV4EhbNo\n"
    "tJ2A28DU/lmf/OR2O6+V6XOmdF9VAgMBAAECgYB4QEyWdIpo0VF4+3MeRn8Ss+CM\n"
    "fQZIpzeAwRlirXF4docsEf505AtP9HuTfsypow0tfIgGSs4In1B1CRZl7uezkKsY\n"
    "TN2da77Pqb5gkMkQLqpwxWRz3JhKN7LKzJ8ilpP3ZHzbHzYCIMHs7p9D/Qm41D/B\n"
    "rUDnse45StSUniJqAQJBAOLf1Vw0oL88A42ABDxYT08uqwM80Q5rxVuYYgfQXNcK\n"
    "/6ImoL2RJ6zRVf4i4LvqGC4GGb/1GmB2rFoCvHnsaoECQQDM84vlcOLnegDnSw33\n"
    "hKBeHXWSqDXZCXdD8hJ3DyyRwvbTy5bRfDFq2aA+XtDYeZ2qmEdZuocYm6bKa1Fj\n"
    "CsLVAkAG7xZjSgx7q8bkBTyb54sM/X0mjS5KhYqzoPWmDX046VIkz49sG8qdooxB\n"
    "RymdNKtmhLM2xbP3rMjZu2mtREeBAkEAyP7QY+Oho4FzAWIKAISBAcvCUmHE7WTr\n"
    "Iid1FG49N3YMuwkej7NMg42KKaCzEJm0lmlhEA5uDyQXHszAtHEJQQJAHbH23NsX\n"
    "AmB/UCAenT4xCDkf8w9IqXGEhxhJe5baNoog3DJQUfTnopi9iEwthSP6xbOAdZyL\n"
    "ozvZBuN2LpbHtg==\n"
    "-----END PRIVATE KEY-----\n";

EVP_PKEY *test_rsa_key(int bits, int which)
{
    const char *pem = bits == 2048 && which == 0   ? RSA2048_0
                      : bits == 2048 && which == 1 ? RSA2048_1
                      : bits == 1024 && which == 0 ? RSA1024_0
                                                   : NULL;
    if (pem == NULL)
        return NULL;
    BIO *b = BIO_new_mem_buf(pem, (int)strlen(pem));
    EVP_PKEY *k = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return k;
}
