// SPDX-License-Identifier: GPL-2.0
/*
 * stub_fpga.c - written for plbuf's test harness (tests/qemu/zocl/build.sh), not part of zocl.
 * Debian's kernel is built without CONFIG_FPGA, so the FPGA manager symbols zocl links against do
 * not exist.  Here there is no manager: zocl's probe treats of_fpga_mgr_get()'s error as "no
 * manager" and only bitstream download is lost, which plbuf's tests do not use.
 */
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/fpga/fpga-mgr.h>

struct fpga_manager *of_fpga_mgr_get(struct device_node *node)
{
	return ERR_PTR(-ENODEV);
}

void fpga_mgr_put(struct fpga_manager *mgr) { }

int fpga_mgr_load(struct fpga_manager *mgr, struct fpga_image_info *info)
{
	return -ENODEV;
}

struct fpga_image_info *fpga_image_info_alloc(struct device *dev)
{
	return NULL;
}

void fpga_image_info_free(struct fpga_image_info *info) { }
