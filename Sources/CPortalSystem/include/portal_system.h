#ifndef PORTAL_SYSTEM_H
#define PORTAL_SYSTEM_H

/// Atomically exchanges two paths (Linux renameat2 with RENAME_EXCHANGE).
/// Returns 0 on success, -1 with errno set otherwise.
int portal_rename_exchange(const char *a, const char *b);

/// Flushes the file system that holds the open file descriptor fd (Linux syncfs).
int portal_syncfs(int fd);

#endif
