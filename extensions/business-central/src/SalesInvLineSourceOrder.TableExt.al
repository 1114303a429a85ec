// The posted line's copy of Sales Line field 50105 (tableextension 50107): the order a line of a corrected invoice of
// several orders bills again, served by page 50106 salesInvoiceLineOrders as sourceOrderNo.
tableextension 50108 "LSYNC Sales Invoice Line" extends "Sales Invoice Line"
{
    fields
    {
        field(50105; "LSYNC Source Order No."; Code[20])
        {
            Caption = 'Re-billed Sales Order No. (logistics-sync)';
            DataClassification = CustomerContent;
            Editable = false;
        }
    }
}
