//! `dhcpscope report`: text, JSON and CSV views of the analysis.
