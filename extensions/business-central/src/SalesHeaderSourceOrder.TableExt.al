// The sales order an invoice re-bills when BC creates the invoice itself (codeunit 50105 "LSYNC Re-billed Order" sets
// it). Sales-Post builds the posted invoice with Sales Invoice Header.TransferFields(Sales Header), which copies by
// field number, and gives an invoice that is not an order an Order No. only when all its lines come from one order's
// posted shipment lines (PostUpdateOrderNo), never for these copies: this field has the same number (50105)
// on the Sales Invoice Header (tableextension 50106), so posting carries it over.
tableextension 50105 "LSYNC Sales Header" extends "Sales Header"
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
