// cdma_regs.v - plbuf's test device: an AXI-Lite register block in front of verilog-axi's axi_cdma
// (built from ../shared/vendor at test time), so that a C driver programs a real DMA engine the
// way it programs IP on a board: addresses and length into registers, start, interrupt, status.
//
//   0x00 ID       RO  0x504c4344 ("PLCD")
//   0x04 CTRL     RW  bit 0 START (write 1: copy; ignored while busy), bit 1 IRQ_EN
//   0x08 STATUS   RW  bit 0 BUSY (RO), bit 1 DONE (write 1 to clear; the interrupt is DONE & IRQ_EN),
//                     bits 7:4 the engine's error code of the last copy (RO)
//   0x10 SRC_LO   RW  0x14 SRC_HI  RW   source device address (bits above ADDR_WIDTH are dropped,
//   0x18 DST_LO   RW  0x1c DST_HI  RW   as a master of that width drops them)
//   0x20 LEN      RW  bytes (LEN_WIDTH bits)
//   0x24 INFO     RO  bits 7:0 ADDR_WIDTH, 15:8 DATA_WIDTH/8, 23:16 LEN_WIDTH
//   0x28 COUNT    RO  copies completed
`resetall
`timescale 1ns / 1ps
`default_nettype none
module cdma_regs #(
    parameter ADDR_WIDTH = 40,
    parameter DATA_WIDTH = 64,
    parameter LEN_WIDTH = 20
) (
    input  wire                     clk,
    input  wire                     rst,
    // AXI-Lite slave (the registers)
    input  wire [7:0]               s_axil_awaddr,
    input  wire                     s_axil_awvalid,
    output wire                     s_axil_awready,
    input  wire [31:0]              s_axil_wdata,
    input  wire [3:0]               s_axil_wstrb,
    input  wire                     s_axil_wvalid,
    output wire                     s_axil_wready,
    output wire [1:0]               s_axil_bresp,
    output reg                      s_axil_bvalid,
    input  wire                     s_axil_bready,
    input  wire [7:0]               s_axil_araddr,
    input  wire                     s_axil_arvalid,
    output wire                     s_axil_arready,
    output reg  [31:0]              s_axil_rdata,
    output wire [1:0]               s_axil_rresp,
    output reg                      s_axil_rvalid,
    input  wire                     s_axil_rready,
    output wire                     irq,
    // AXI4 master (the engine's)
    output wire [7:0]               m_axi_awid,
    output wire [ADDR_WIDTH-1:0]    m_axi_awaddr,
    output wire [7:0]               m_axi_awlen,
    output wire [2:0]               m_axi_awsize,
    output wire [1:0]               m_axi_awburst,
    output wire                     m_axi_awvalid,
    input  wire                     m_axi_awready,
    output wire [DATA_WIDTH-1:0]    m_axi_wdata,
    output wire [DATA_WIDTH/8-1:0]  m_axi_wstrb,
    output wire                     m_axi_wlast,
    output wire                     m_axi_wvalid,
    input  wire                     m_axi_wready,
    input  wire [7:0]               m_axi_bid,
    input  wire [1:0]               m_axi_bresp,
    input  wire                     m_axi_bvalid,
    output wire                     m_axi_bready,
    output wire [7:0]               m_axi_arid,
    output wire [ADDR_WIDTH-1:0]    m_axi_araddr,
    output wire [7:0]               m_axi_arlen,
    output wire [2:0]               m_axi_arsize,
    output wire [1:0]               m_axi_arburst,
    output wire                     m_axi_arvalid,
    input  wire                     m_axi_arready,
    input  wire [7:0]               m_axi_rid,
    input  wire [DATA_WIDTH-1:0]    m_axi_rdata,
    input  wire [1:0]               m_axi_rresp,
    input  wire                     m_axi_rlast,
    input  wire                     m_axi_rvalid,
    output wire                     m_axi_rready
);

reg [31:0] src_lo, src_hi, dst_lo, dst_hi, len, count;
reg irq_en, busy, done;
reg [3:0] err;
reg desc_valid;
reg [7:0] tag;

wire desc_ready;
wire [7:0] status_tag;
wire [3:0] status_error;
wire status_valid;

// Write channel: take AW and W (in either order), then apply the write and answer on B.
reg aw_full, w_full;
reg [7:0] aw_addr;
reg [31:0] w_data;
reg [3:0] w_strb;
assign s_axil_awready = !aw_full;
assign s_axil_wready = !w_full;
assign s_axil_bresp = 2'b00;
assign s_axil_arready = !s_axil_rvalid;
assign s_axil_rresp = 2'b00;
assign irq = done & irq_en;

function [31:0] merge(input [31:0] old, input [31:0] data, input [3:0] strb);
    merge = {strb[3] ? data[31:24] : old[31:24], strb[2] ? data[23:16] : old[23:16],
             strb[1] ? data[15:8] : old[15:8], strb[0] ? data[7:0] : old[7:0]};
endfunction

wire [63:0] src64 = {src_hi, src_lo};
wire [63:0] dst64 = {dst_hi, dst_lo};

always @(posedge clk) begin
    if (s_axil_awvalid && s_axil_awready) begin
        aw_full <= 1'b1;
        aw_addr <= s_axil_awaddr;
    end
    if (s_axil_wvalid && s_axil_wready) begin
        w_full <= 1'b1;
        w_data <= s_axil_wdata;
        w_strb <= s_axil_wstrb;
    end
    if (s_axil_bvalid && s_axil_bready)
        s_axil_bvalid <= 1'b0;

    if (desc_valid && desc_ready)
        desc_valid <= 1'b0;
    if (status_valid) begin
        busy <= 1'b0;
        done <= 1'b1;
        err <= status_error;
        count <= count + 1;
    end

    if (aw_full && w_full && !s_axil_bvalid) begin
        aw_full <= 1'b0;
        w_full <= 1'b0;
        s_axil_bvalid <= 1'b1;
        case (aw_addr[7:2])
            6'h01: begin
                irq_en <= w_strb[0] ? w_data[1] : irq_en;
                if (w_strb[0] && w_data[0] && !busy) begin
                    busy <= 1'b1;
                    desc_valid <= 1'b1;
                    tag <= tag + 1;
                end
            end
            6'h02: if (w_strb[0] && w_data[1]) done <= 1'b0;
            6'h04: src_lo <= merge(src_lo, w_data, w_strb);
            6'h05: src_hi <= merge(src_hi, w_data, w_strb);
            6'h06: dst_lo <= merge(dst_lo, w_data, w_strb);
            6'h07: dst_hi <= merge(dst_hi, w_data, w_strb);
            6'h08: len <= merge(len, w_data, w_strb);
            default: ;
        endcase
    end

    if (s_axil_arvalid && s_axil_arready) begin
        s_axil_rvalid <= 1'b1;
        case (s_axil_araddr[7:2])
            6'h00: s_axil_rdata <= 32'h504c4344;
            6'h01: s_axil_rdata <= {30'd0, irq_en, 1'b0};
            6'h02: s_axil_rdata <= {24'd0, err, 2'b00, done, busy};
            6'h04: s_axil_rdata <= src_lo;
            6'h05: s_axil_rdata <= src_hi;
            6'h06: s_axil_rdata <= dst_lo;
            6'h07: s_axil_rdata <= dst_hi;
            6'h08: s_axil_rdata <= len;
            6'h09: s_axil_rdata <= {8'd0, 8'(LEN_WIDTH), 8'(DATA_WIDTH / 8), 8'(ADDR_WIDTH)};
            6'h0a: s_axil_rdata <= count;
            default: s_axil_rdata <= 32'h0;
        endcase
    end else if (s_axil_rvalid && s_axil_rready) begin
        s_axil_rvalid <= 1'b0;
    end

    if (rst) begin
        aw_full <= 1'b0;
        w_full <= 1'b0;
        s_axil_bvalid <= 1'b0;
        s_axil_rvalid <= 1'b0;
        src_lo <= 0; src_hi <= 0; dst_lo <= 0; dst_hi <= 0; len <= 0; count <= 0;
        irq_en <= 1'b0;
        busy <= 1'b0;
        done <= 1'b0;
        err <= 4'd0;
        desc_valid <= 1'b0;
        tag <= 8'd0;
    end
end

axi_cdma #(
    .AXI_DATA_WIDTH(DATA_WIDTH),
    .AXI_ADDR_WIDTH(ADDR_WIDTH),
    .AXI_ID_WIDTH(8),
    .AXI_MAX_BURST_LEN(16),
    .LEN_WIDTH(LEN_WIDTH),
    .TAG_WIDTH(8),
    .ENABLE_UNALIGNED(1)
) engine (
    .clk(clk),
    .rst(rst),
    .s_axis_desc_read_addr(src64[ADDR_WIDTH-1:0]),
    .s_axis_desc_write_addr(dst64[ADDR_WIDTH-1:0]),
    .s_axis_desc_len(len[LEN_WIDTH-1:0]),
    .s_axis_desc_tag(tag),
    .s_axis_desc_valid(desc_valid),
    .s_axis_desc_ready(desc_ready),
    .m_axis_desc_status_tag(status_tag),
    .m_axis_desc_status_error(status_error),
    .m_axis_desc_status_valid(status_valid),
    .m_axi_awid(m_axi_awid),
    .m_axi_awaddr(m_axi_awaddr),
    .m_axi_awlen(m_axi_awlen),
    .m_axi_awsize(m_axi_awsize),
    .m_axi_awburst(m_axi_awburst),
    .m_axi_awlock(),
    .m_axi_awcache(),
    .m_axi_awprot(),
    .m_axi_awvalid(m_axi_awvalid),
    .m_axi_awready(m_axi_awready),
    .m_axi_wdata(m_axi_wdata),
    .m_axi_wstrb(m_axi_wstrb),
    .m_axi_wlast(m_axi_wlast),
    .m_axi_wvalid(m_axi_wvalid),
    .m_axi_wready(m_axi_wready),
    .m_axi_bid(m_axi_bid),
    .m_axi_bresp(m_axi_bresp),
    .m_axi_bvalid(m_axi_bvalid),
    .m_axi_bready(m_axi_bready),
    .m_axi_arid(m_axi_arid),
    .m_axi_araddr(m_axi_araddr),
    .m_axi_arlen(m_axi_arlen),
    .m_axi_arsize(m_axi_arsize),
    .m_axi_arburst(m_axi_arburst),
    .m_axi_arlock(),
    .m_axi_arcache(),
    .m_axi_arprot(),
    .m_axi_arvalid(m_axi_arvalid),
    .m_axi_arready(m_axi_arready),
    .m_axi_rid(m_axi_rid),
    .m_axi_rdata(m_axi_rdata),
    .m_axi_rresp(m_axi_rresp),
    .m_axi_rlast(m_axi_rlast),
    .m_axi_rvalid(m_axi_rvalid),
    .m_axi_rready(m_axi_rready),
    .enable(1'b1)
);

endmodule
`default_nettype wire
