/* SPDX-License-Identifier: Apache-2.0 */
/* The module lock: the application's mutex callbacks when it gives them
 * without CKF_OS_LOCKING_OK, else a pthread mutex (also when the caller
 * promised single-threaded use: it costs nothing and is always safe). */
#include <pthread.h>
#include <stdlib.h>

#include "p11.h"

static void own_mutex_init(pthread_mutex_t *m)
{
    pthread_mutexattr_t at;
    pthread_mutexattr_init(&at);
    pthread_mutexattr_settype(&at, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(m, &at);
    pthread_mutexattr_destroy(&at);
}

CK_RV p11_lock_init(struct p11_lock *l, const CK_C_INITIALIZE_ARGS *args)
{
    if (args && args->CreateMutex && !(args->flags & CKF_OS_LOCKING_OK)) {
        l->app = 1;
        l->create = args->CreateMutex;
        l->destroy = args->DestroyMutex;
        l->lock = args->LockMutex;
        l->unlock = args->UnlockMutex;
        return l->create(&l->mutex) == CKR_OK ? CKR_OK : CKR_CANT_LOCK;
    }
    pthread_mutex_t *m = malloc(sizeof(*m));
    if (!m)
        return CKR_HOST_MEMORY;
    own_mutex_init(m);
    l->app = 0;
    l->mutex = m;
    return CKR_OK;
}

void p11_lock_free(struct p11_lock *l)
{
    if (!l->mutex)
        return;
    if (l->app) {
        l->destroy(l->mutex);
    } else {
        pthread_mutex_destroy(l->mutex);
        free(l->mutex);
    }
    l->mutex = NULL;
}

void p11_lock(struct p11_lock *l)
{
    if (l->app)
        l->lock(l->mutex);
    else
        pthread_mutex_lock(l->mutex);
}

void p11_unlock(struct p11_lock *l)
{
    if (l->app)
        l->unlock(l->mutex);
    else
        pthread_mutex_unlock(l->mutex);
}

/* In the child the only thread is the one that forked, and it holds the lock
 * (prepare handler). A recursive pthread mutex records the owner's kernel
 * thread id, which the child's thread does not have, so it is initialised
 * afresh rather than unlocked; the application's mutex is unlocked. */
void p11_lock_child_reset(struct p11_lock *l)
{
    if (!l->mutex)
        return;
    if (l->app)
        l->unlock(l->mutex);
    else
        own_mutex_init(l->mutex);
}
