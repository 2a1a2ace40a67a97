/*
 * An empty, read-only directory.  Mounted over host paths that must not be
 * visible through the gofer in `do` mode (/proc, /sys: host pids and
 * kernel state), until procfs replaces it.  (/dev is devfs.)
 */
#include "sentry/vfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>

static int empty_lookup(struct vfs_inode *dir, const char *name, struct vfs_inode **out)
{
	return -ENOENT;
}

static int empty_readdir(struct vfs_file *f, uint64_t *pos,
			 bool (*emit)(void *arg, uint64_t ino, uint64_t next, uint8_t type,
				      const char *name, size_t namelen), void *arg)
{
	static const char *const names[] = { ".", ".." };
	struct vfs_inode *ino = f->path.dentry->inode;
	for (; *pos < 2; (*pos)++)
		if (!emit(arg, ino->attr.st_ino, *pos + 1, 4 /* DT_DIR */, names[*pos],
			  strlen(names[*pos])))
			return 0;
	return 0;
}

static int empty_statfs(struct vfs_inode *ino, struct statfs *out)
{
	memset(out, 0, sizeof *out);
	out->f_type = 0x01021994;   /* TMPFS_MAGIC: what an empty tmpfs reports */
	out->f_bsize = 4096;
	out->f_namelen = 255;
	return 0;
}

static const struct vfs_fs_ops emptyfs_ops = {
	.lookup = empty_lookup,
	.readdir = empty_readdir,
	.statfs = empty_statfs,
	.name = "tmpfs",
};

int emptyfs_new(struct vfs_fs **out, struct vfs_inode **root)
{
	static unsigned next_minor = 1;
	struct vfs_fs *fs = calloc(1, sizeof *fs);
	if (!fs)
		return -ENOMEM;
	fs->ops = &emptyfs_ops;
	fs->readonly = true;
	fs->dev = makedev(0, 0x80 + next_minor++);
	struct vfs_inode *ino = vfs_inode_new(fs, NULL);
	if (!ino) {
		free(fs);
		return -ENOMEM;
	}
	ino->attr.st_dev = fs->dev;
	ino->attr.st_ino = 1;
	ino->attr.st_mode = S_IFDIR | 0555;
	ino->attr.st_nlink = 2;
	ino->attr.st_blksize = 4096;
	clock_gettime(CLOCK_REALTIME, &ino->attr.st_mtim);
	ino->attr.st_atim = ino->attr.st_ctim = ino->attr.st_mtim;
	*out = fs;
	*root = ino;
	return 0;
}
