// The posted invoice's copy of Sales Header field 50105 (tableextension 50105): the sales order a corrective or
// corrected invoice re-bills, read through page 50105 salesInvoiceOrders. Copy Document copies a posted invoice's
// header into a new Sales Header with TransferFields as well, so a correction of a correction keeps it.
tableextension 50106 "LSYNC Sales Invoice Header" extends "Sales Invoice Header"
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
