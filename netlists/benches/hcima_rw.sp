* HCIMA unit: write, hold, split-port read (bench template).
*
* Placeholders: <models> <vdd> <temp> <t_phase> <t_edge> <t_step> <c_sample>
*   <c_gbl> (capacitance of each global line).
* Ten phases of t_phase each (index p, from 0):
*   p0 write cell0 = 1   p1 write cell1 = 0   p2 write cell2 = 0   p3 write cell3 = 1
*      (RWEN high, AWLk and DWLk high, GBL = data, GBLB = not data)
*   p4 hold (everything off)        p5 precharge LBL/LBLB (PCHB low)
*   p6 split-port read A: AWL1 and DWL2 at once -> LBL = W1 = 0, LBLB = Wb2 = 1;
*      GBL = VDD (analog activation), GBLB = 0 (digital activation 1): AOUT = 0, DOUT = W2 = 0
*   p7 precharge                     p8 split-port read B: AWL0 and DWL3 -> LBL = W0 = 1,
*      LBLB = Wb3 = 0: AOUT = VDD, DOUT = W3 = 1
*   p9 hold
* Cells start from the opposite data (.ic), so each write really flips its cell.
* Probe: v(xu.x<k>.q) stored bits, v(xu.lbl), v(xu.lblb), v(dout), v(aout), i(vdd).
{{models}}
.include ../cells/hcima.sp
.options savecurrents=0
.temp {{temp}}
.param vd={{vdd}} tp={{t_phase}} te={{t_edge}}
vdd vdd 0 {vd}
vss vss 0 0
xu gbl gblb awl0 awl1 awl2 awl3 awl4 awl5 awl6 awl7 dwl0 dwl1 dwl2 dwl3 dwl4 dwl5 dwl6 dwl7
+ rwen pchb smp smpb dout aout cs vdd vss hcima
cgbl gbl 0 {{c_gbl}}
cgblb gblb 0 {{c_gbl}}
* one pulse of width (n phases) starting at phase k: pulse(0 vd k*tp+te te te n*tp-3*te 1)
vrwen rwen 0 pulse(0 {vd} {te} {te} {te} {4*tp-3*te} 1)
vawl0 awl0 0 pwl(0 0 {te} 0 {2*te} {vd} {tp-te} {vd} {tp} 0 {8*tp+te} 0 {8*tp+2*te} {vd} {9*tp-te} {vd} {9*tp} 0)
vdwl0 dwl0 0 pulse(0 {vd} {te} {te} {te} {tp-3*te} 1)
vawl1 awl1 0 pwl(0 0 {tp+te} 0 {tp+2*te} {vd} {2*tp-te} {vd} {2*tp} 0 {6*tp+te} 0 {6*tp+2*te} {vd} {7*tp-te} {vd} {7*tp} 0)
vdwl1 dwl1 0 pulse(0 {vd} {tp+te} {te} {te} {tp-3*te} 1)
vawl2 awl2 0 pulse(0 {vd} {2*tp+te} {te} {te} {tp-3*te} 1)
vdwl2 dwl2 0 pwl(0 0 {2*tp+te} 0 {2*tp+2*te} {vd} {3*tp-te} {vd} {3*tp} 0 {6*tp+te} 0 {6*tp+2*te} {vd} {7*tp-te} {vd} {7*tp} 0)
vawl3 awl3 0 pulse(0 {vd} {3*tp+te} {te} {te} {tp-3*te} 1)
vdwl3 dwl3 0 pwl(0 0 {3*tp+te} 0 {3*tp+2*te} {vd} {4*tp-te} {vd} {4*tp} 0 {8*tp+te} 0 {8*tp+2*te} {vd} {9*tp-te} {vd} {9*tp} 0)
vawl4 awl4 0 0
vdwl4 dwl4 0 0
vawl5 awl5 0 0
vdwl5 dwl5 0 0
vawl6 awl6 0 0
vdwl6 dwl6 0 0
vawl7 awl7 0 0
vdwl7 dwl7 0 0
* PCHB: low in p5 and p7
vpchb pchb 0 pwl(0 {vd} {5*tp} {vd} {5*tp+te} 0 {6*tp-te} 0 {6*tp} {vd} {7*tp} {vd} {7*tp+te} 0 {8*tp-te} 0 {8*tp} {vd})
* GBL: data 1 0 0 1 during the writes, 0 in p4-p5, VDD from p6 on
vgbl gbl 0 pwl(0 {vd} {tp-te} {vd} {tp} 0 {3*tp-te} 0 {3*tp} {vd} {4*tp-te} {vd} {4*tp} 0 {6*tp-te} 0 {6*tp} {vd})
* GBLB: complement of the data during the writes, 0 (activation bit 1) afterwards
vgblb gblb 0 pwl(0 0 {tp-te} 0 {tp} {vd} {3*tp-te} {vd} {3*tp} 0)
vsmp smp 0 {vd}
vsmpb smpb 0 0
.ic v(xu.x0.q)=0 v(xu.x0.qb)={vd} v(xu.x1.q)={vd} v(xu.x1.qb)=0 v(xu.x2.q)={vd} v(xu.x2.qb)=0
.ic v(xu.x3.q)=0 v(xu.x3.qb)={vd} v(xu.x4.q)=0 v(xu.x4.qb)={vd} v(xu.x5.q)=0 v(xu.x5.qb)={vd}
.ic v(xu.x6.q)=0 v(xu.x6.qb)={vd} v(xu.x7.q)=0 v(xu.x7.qb)={vd}
.end
