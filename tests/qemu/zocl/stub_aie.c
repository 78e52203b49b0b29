// SPDX-License-Identifier: GPL-2.0
/*
 * stub_aie.c - written for plbuf's test harness (tests/qemu/zocl/build.sh), not part of zocl.
 * Replaces zocl's edge/zocl_aie.c, which needs linux-xlnx's AI Engine driver
 * (linux/xlnx-ai-engine.h) that a mainline kernel lacks.  Every AI Engine entry point zocl calls
 * answers "no such device"; teardown has nothing to undo.  Buffer objects do not use them.
 */
#include <linux/errno.h>
#include "zocl_drv.h"
#include "zocl_ioctl.h"

int zocl_create_aie(struct drm_zocl_slot *slot, struct axlf *axlf, char __user *xclbin,
		    void *aie_res, uint8_t hw_gen, uint32_t partition_id)
{
	return -ENODEV;
}

int zocl_cleanup_aie(struct drm_zocl_slot *slot) { return 0; }
void zocl_destroy_aie(struct drm_zocl_slot *slot) { }

int zocl_aie_request_part_fd(struct drm_zocl_dev *zdev, void *data, struct drm_file *filp)
{
	return -ENODEV;
}

int zocl_aie_reset(struct drm_zocl_dev *zdev, void *data, struct drm_file *filp)
{
	return -ENODEV;
}

int zocl_aie_freqscale(struct drm_zocl_dev *zdev, void *data, struct drm_file *filp)
{
	return -ENODEV;
}

int zocl_aie_getcmd_ioctl(struct drm_device *dev, void *data, struct drm_file *filp)
{
	return -ENODEV;
}

int zocl_aie_putcmd_ioctl(struct drm_device *dev, void *data, struct drm_file *filp)
{
	return -ENODEV;
}

int zocl_aie_kds_add_graph_context(struct drm_zocl_dev *zdev, u32 gid, u32 ctx_code,
				   struct kds_client *client)
{
	return -ENODEV;
}

int zocl_aie_kds_del_graph_context(struct drm_zocl_dev *zdev, u32 gid, struct kds_client *client)
{
	return 0;
}

void zocl_aie_kds_del_graph_context_all(struct kds_client *client) { }

int zocl_aie_kds_add_context(struct drm_zocl_dev *zdev, u32 ctx_code, struct kds_client *client)
{
	return -ENODEV;
}

int zocl_aie_kds_del_context(struct drm_zocl_dev *zdev, struct kds_client *client)
{
	return 0;
}
