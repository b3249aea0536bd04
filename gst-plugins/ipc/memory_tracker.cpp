/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "memory_tracker.h"

#include <gst/allocators/allocators.h>
#include <sys/stat.h>

namespace dmabufkit::ipc {

namespace {

struct Tracked {
	std::weak_ptr<ForgetHook> hook;
	uint64_t inode;
};

GQuark trackedQuark()
{
	static GQuark q = g_quark_from_static_string("dmabufipcsink-tracked");
	return q;
}

void trackedFree(gpointer data)
{
	auto *t = static_cast<Tracked *>(data);
	if (auto hook = t->hook.lock()) {
		std::lock_guard<std::mutex> g(hook->lock);
		if (hook->server)
			hook->server->forget(t->inode);
	}
	delete t;
}

} /* namespace */

uint64_t trackMemory(GstMemory *mem, const std::shared_ptr<ForgetHook> &hook)
{
	/* Shared sub-memories die before the dma-buf does: track the parent. */
	GstMemory *root = mem->parent ? mem->parent : mem;
	auto *t = static_cast<Tracked *>(
		gst_mini_object_get_qdata(GST_MINI_OBJECT(root), trackedQuark()));
	if (t && t->hook.lock() == hook)
		return t->inode;
	struct stat sb {
	};
	if (::fstat(gst_dmabuf_memory_get_fd(mem), &sb) < 0)
		return 0;
	/* Another live sink (a tee) tracks it already: it forgets for itself, we evict. */
	if (t && !t->hook.expired())
		return sb.st_ino;
	/* Replaces the record of an earlier run, whose hook is gone. */
	gst_mini_object_set_qdata(GST_MINI_OBJECT(root), trackedQuark(),
				  new Tracked{ hook, uint64_t(sb.st_ino) }, trackedFree);
	return sb.st_ino;
}

} /* namespace dmabufkit::ipc */
