// The order a line of a Correct action's invoice bills again (codeunit 50105 stamps it while the invoice is copied):
// for an invoice of several orders, whose header names none. Sales-Post builds the posted line with Sales Invoice
// Line.TransferFields(Sales Line), which copies by field number: the same number (50105) on the Sales Invoice Line
// (tableextension 50108) carries it over, and Copy Document copies it back into a further correction.
tableextension 50107 "LSYNC Sales Line" extends "Sales Line"
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
