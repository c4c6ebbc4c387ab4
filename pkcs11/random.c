/* SPDX-License-Identifier: Apache-2.0 */
/* Random numbers from the chip's RNG (GetRandom, chunked by the library). */
#include "p11.h"

CK_RV C_GenerateRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR RandomData, CK_ULONG ulRandomLen)
{
    P11_ENTER_SESSION(ctx, s, hSession);
    if (!RandomData && ulRandomLen)
        P11_LEAVE(ctx, CKR_ARGUMENTS_BAD);
    if (ulRandomLen == 0)
        P11_LEAVE(ctx, CKR_OK);
    se05x_session *se = p11_chip(ctx);
    if (!se)
        P11_LEAVE(ctx, CKR_DEVICE_ERROR);
    P11_LEAVE(ctx, p11_rv(ctx, se05x_get_random(se, RandomData, ulRandomLen)));
}

CK_RV C_SeedRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen)
{
    P11_ENTER_SESSION(ctx, s, hSession);
    if (!pSeed && ulSeedLen)
        P11_LEAVE(ctx, CKR_ARGUMENTS_BAD);
    P11_LEAVE(ctx, CKR_RANDOM_SEED_NOT_SUPPORTED);
}
