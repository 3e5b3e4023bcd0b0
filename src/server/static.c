/*
 * static.c - the dashboard's files from the web root. A path is served
 * only if every segment is a plain name (no "", ".", ".." or backslash;
 * MHD has already percent-decoded it) and its real path, symlinks
 * resolved, lies inside the real web root. Directories get index.html.
 */
#include "server/server_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/common.h"

static const struct {
    const char *ext;
    const char *type;
} content_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *content_type_of(const char *path)
{
    const char *dot = strrchr(path, '.');

    for (size_t i = 0; dot && i < PCN_ARRAY_SIZE(content_types); i++) {
        if (strcmp(dot, content_types[i].ext) == 0)
            return content_types[i].type;
    }
    return "application/octet-stream";
}

/* Every segment after the leading slash is a plain file name. */
static bool path_is_plain(const char *path)
{
    const char *seg = path + 1;

    if (path[0] != '/' || strlen(path) > 1024 || strchr(path, '\\'))
        return false;
    while (*seg) {
        const char *slash = strchr(seg, '/');
        size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
        if (len == 0 && slash)
            return false;
        if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return false;
        if (!slash)
            break;
        seg = slash + 1;
    }
    return true;
}

static int open_inside_root(struct pcn__request *r, const char *full)
{
    char real[PATH_MAX];
    size_t root_len = strlen(r->srv->web_root);
    struct stat st;
    int fd;

    if (!realpath(full, real))
        return -1;
    if (strncmp(real, r->srv->web_root, root_len) != 0 || real[root_len] != '/')
        return -1;
    fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        (void)close(fd);
        return -1;
    }
    r->fd_size = (uint64_t)st.st_size;
    return fd;
}

int pcn__serve_static(struct pcn__request *r)
{
    const char *path = r->url;
    const char *full;

    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
        return pcn__reply_error(r, 405, "method_not_allowed", "static files are GET only");
    if (!path_is_plain(path))
        return pcn__reply_error(r, 400, "bad_path", "invalid path");
    if (!r->srv->web_root[0])
        return pcn__reply_error(r, 404, "not_found", "no dashboard installed");
    full = pcn_arena_printf(r->arena, "%s%s%s", r->srv->web_root, path,
                            path[strlen(path) - 1] == '/' ? "index.html" : "");
    if (!full)
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    r->fd = open_inside_root(r, full);
    if (r->fd < 0)
        return pcn__reply_error(r, 404, "not_found", "no such file");
    r->status = 200;
    r->content_type = content_type_of(full);
    return 0;
}
