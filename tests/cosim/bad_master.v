// bad_master.v - an AXI4 master that breaks the rules on purpose, for the bridge's own test
// (tests/cosim/bad_rtl.cpp): AxiMemory must report each violation, and answer DECERR outside
// device memory.  In order: a read burst across a 4 KiB boundary; a write burst with WLAST on its
// first beat; a narrow (4-byte) write with strobes outside its lanes; a read outside every bank.
`resetall
`timescale 1ns / 1ps
`default_nettype none
module bad_master (
    input  wire        clk,
    input  wire        rst,
    input  wire [39:0] base,
    output reg         done,
    output reg         saw_decerr,
    output reg  [7:0]  m_axi_awid,
    output reg  [39:0] m_axi_awaddr,
    output reg  [7:0]  m_axi_awlen,
    output reg  [2:0]  m_axi_awsize,
    output reg  [1:0]  m_axi_awburst,
    output reg         m_axi_awvalid,
    input  wire        m_axi_awready,
    output reg  [63:0] m_axi_wdata,
    output reg  [7:0]  m_axi_wstrb,
    output reg         m_axi_wlast,
    output reg         m_axi_wvalid,
    input  wire        m_axi_wready,
    input  wire [7:0]  m_axi_bid,
    input  wire [1:0]  m_axi_bresp,
    input  wire        m_axi_bvalid,
    output wire        m_axi_bready,
    output reg  [7:0]  m_axi_arid,
    output reg  [39:0] m_axi_araddr,
    output reg  [7:0]  m_axi_arlen,
    output reg  [2:0]  m_axi_arsize,
    output reg  [1:0]  m_axi_arburst,
    output reg         m_axi_arvalid,
    input  wire        m_axi_arready,
    input  wire [7:0]  m_axi_rid,
    input  wire [63:0] m_axi_rdata,
    input  wire [1:0]  m_axi_rresp,
    input  wire        m_axi_rlast,
    input  wire        m_axi_rvalid,
    output wire        m_axi_rready
);

reg [3:0] state;
reg [1:0] beat;
assign m_axi_bready = 1'b1;
assign m_axi_rready = 1'b1;

always @(posedge clk) begin
    if (m_axi_rvalid && m_axi_rresp == 2'b11)
        saw_decerr <= 1'b1;
    case (state)
    // read: 4 beats of 8 bytes from base + 0xff8: crosses into the next 4 KiB page
    4'd0: begin
        m_axi_arid <= 8'd1; m_axi_araddr <= base + 40'hff8; m_axi_arlen <= 8'd3;
        m_axi_arsize <= 3'd3; m_axi_arburst <= 2'b01; m_axi_arvalid <= 1'b1; state <= 4'd1;
    end
    4'd1: if (m_axi_arready) begin m_axi_arvalid <= 1'b0; state <= 4'd2; end
    4'd2: if (m_axi_rvalid && m_axi_rlast) state <= 4'd3;
    // write: 2 beats, WLAST already on the first
    4'd3: begin
        m_axi_awid <= 8'd2; m_axi_awaddr <= base + 40'h100; m_axi_awlen <= 8'd1;
        m_axi_awsize <= 3'd3; m_axi_awburst <= 2'b01; m_axi_awvalid <= 1'b1;
        m_axi_wdata <= 64'h1122334455667788; m_axi_wstrb <= 8'hff; m_axi_wlast <= 1'b1;
        m_axi_wvalid <= 1'b1; beat <= 2'd0; state <= 4'd4;
    end
    4'd4: begin
        if (m_axi_awready) m_axi_awvalid <= 1'b0;
        if (m_axi_wvalid && m_axi_wready) begin
            if (beat == 2'd1) begin m_axi_wvalid <= 1'b0; state <= 4'd5; end
            beat <= beat + 1;
        end
    end
    4'd5: if (!m_axi_awvalid && m_axi_bvalid) state <= 4'd6;
    // narrow write: 4 bytes at base + 0x204, strobes on all 8 lanes
    4'd6: begin
        m_axi_awaddr <= base + 40'h204; m_axi_awlen <= 8'd0; m_axi_awsize <= 3'd2;
        m_axi_awvalid <= 1'b1; m_axi_wstrb <= 8'hff; m_axi_wlast <= 1'b1; m_axi_wvalid <= 1'b1;
        state <= 4'd7;
    end
    4'd7: begin
        if (m_axi_awready) m_axi_awvalid <= 1'b0;
        if (m_axi_wvalid && m_axi_wready) m_axi_wvalid <= 1'b0;
        if (!m_axi_awvalid && !m_axi_wvalid && m_axi_bvalid) state <= 4'd8;
    end
    // a read where there is no memory: DECERR
    4'd8: begin
        m_axi_araddr <= 40'h10; m_axi_arlen <= 8'd0; m_axi_arvalid <= 1'b1; state <= 4'd9;
    end
    4'd9: if (m_axi_arready) begin m_axi_arvalid <= 1'b0; state <= 4'd10; end
    4'd10: if (m_axi_rvalid && m_axi_rlast) state <= 4'd11;
    4'd11: done <= 1'b1;
    default: ;
    endcase
    if (rst) begin
        state <= 4'd0; done <= 1'b0; saw_decerr <= 1'b0;
        m_axi_awvalid <= 1'b0; m_axi_wvalid <= 1'b0; m_axi_arvalid <= 1'b0;
    end
end

endmodule
`default_nettype wire
